import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, currentLanguage, setLanguage, type Language } from '../i18n/index.ts';
import { THEME_PREFERENCES, setThemePreference, themePreference, type ThemePreference } from '../theme.ts';

/** The language and theme switches (top bar, sign-in page); both choices are remembered. */
export function Preferences() {
  const { t } = useTranslation();
  const [theme, setTheme] = useState<ThemePreference>(themePreference);
  return (
    <>
      <label className="inline compact">
        <span>{t('app.language')}</span>
        <select data-testid="language-switch" value={currentLanguage()} onChange={(e) => void setLanguage(e.target.value as Language)}>
          {LANGUAGES.map((l) => (
            <option key={l} value={l} lang={l}>
              {t(`app.languages.${l}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="inline compact">
        <span>{t('app.theme.label')}</span>
        <select
          data-testid="theme-switch"
          value={theme}
          onChange={(e) => {
            const next = e.target.value as ThemePreference;
            setTheme(next);
            setThemePreference(next);
          }}
        >
          {THEME_PREFERENCES.map((p) => (
            <option key={p} value={p}>
              {t(`app.theme.${p}`)}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}
