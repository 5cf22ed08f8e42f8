/**
 * The recording consent asked before joining any session (seed 000 section 5.4): each
 * participant chooses; only the audio of those who say yes is recorded. Nothing is preselected
 * for a new choice, so the answer is always a deliberate one.
 */
import { useTranslation } from 'react-i18next';

export function ConsentChoice({ value, onChange, name }: { value: boolean | null; onChange: (consent: boolean) => void; name: string }) {
  const { t } = useTranslation();
  return (
    <fieldset className="consent" data-testid="consent-choice" data-value={value === null ? '' : String(value)}>
      <legend>{t('consent.legend')}</legend>
      <p className="muted small">
        {t('consent.explain')}
      </p>
      <label className="inline">
        <input type="radio" name={name} data-testid="consent-yes" checked={value === true} onChange={() => onChange(true)} /> {t('consent.yes')}
      </label>
      <label className="inline">
        <input type="radio" name={name} data-testid="consent-no" checked={value === false} onChange={() => onChange(false)} /> {t('consent.no')}
      </label>
    </fieldset>
  );
}
