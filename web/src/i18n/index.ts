/**
 * Languages of the web client (issue 15): English and French, with i18next and react-i18next.
 * One message catalogue per language (`en.json`, `fr.json`; `test/unit/i18n.test.ts` checks that
 * they hold the same keys, that every key the code uses exists, and that every error code the
 * server sends has a sentence). The language comes from the browser (`navigator.languages`) until
 * the user picks one in the top bar, which is remembered in localStorage. Plurals follow each
 * language's `Intl.PluralRules` (i18next's `_one` / `_many` / `_other` keys).
 */
import i18n from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import en from './en.json' with { type: 'json' };
import fr from './fr.json' with { type: 'json' };

/** The languages offered, in the switch's order. */
export const LANGUAGES = ['en', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Where the user's choice is kept (absent: follow the browser). */
export const LANGUAGE_STORAGE_KEY = 'conversation.language';

export const resources = { en: { translation: en }, fr: { translation: fr } } as const;

void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources,
    supportedLngs: [...LANGUAGES],
    // `fr-CA` and `fr-FR` are French, `en-GB` English; anything else falls back to English.
    nonExplicitSupportedLngs: true,
    load: 'languageOnly',
    fallbackLng: 'en',
    // Only an explicit choice is stored (`setLanguage`), so a browser switched to another language is followed.
    detection: { order: ['localStorage', 'navigator'], lookupLocalStorage: LANGUAGE_STORAGE_KEY, caches: [] },
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  });

/** The language in use, one of `LANGUAGES`. */
export function currentLanguage(): Language {
  const lng = (i18n.resolvedLanguage ?? i18n.language ?? 'en').slice(0, 2);
  return (LANGUAGES as readonly string[]).includes(lng) ? (lng as Language) : 'en';
}

/** Switches the language and remembers the choice. */
export async function setLanguage(language: Language): Promise<void> {
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, language);
  } catch {
    // Private mode without storage: the switch still holds for this page.
  }
  await i18n.changeLanguage(language);
}

/**
 * The BCP 47 locale for `Intl` in the chosen language: the browser's own regional variant when it
 * has one of that language (`en-GB` dates for a British English browser), else the bare language.
 */
export function intlLocale(): string {
  const language = currentLanguage();
  const preferred = typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]);
  return preferred.find((l) => l.toLowerCase().split('-')[0] === language) ?? language;
}

// `<html lang>` follows the language (screen readers pick their voice from it; WCAG 3.1.1).
const syncDocumentLanguage = () => {
  if (typeof document !== 'undefined') document.documentElement.lang = currentLanguage();
};
i18n.on('languageChanged', syncDocumentLanguage);
syncDocumentLanguage();

export default i18n;
