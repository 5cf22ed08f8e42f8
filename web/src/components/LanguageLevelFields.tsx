import { useTranslation } from 'react-i18next';
import { languageName } from '../format.ts';
import { CEFR_LEVELS } from '../types.ts';

/** Language codes offered as suggestions; any other code may be typed. */
const COMMON_LANGUAGES = ['en', 'fr', 'es', 'de', 'it', 'pt', 'nl', 'ja', 'zh', 'ar'];

/**
 * A labelled language-code input with the common languages suggested by name. `listId` must be
 * unique on the page (it ties the input to its suggestions).
 */
export function LanguageField(props: {
  testId: string;
  listId: string;
  value: string;
  onChange: (code: string) => void;
  required?: boolean;
  placeholder?: string;
}) {
  const { t } = useTranslation();
  return (
    <label>
      {t('fields.language')}
      <input
        data-testid={props.testId}
        list={props.listId}
        placeholder={props.placeholder}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        required={props.required}
        size={11}
      />
      <datalist id={props.listId}>
        {COMMON_LANGUAGES.map((c) => (
          <option key={c} value={c}>
            {languageName(c)}
          </option>
        ))}
      </datalist>
    </label>
  );
}

/** A labelled CEFR level select; `anyLabel` adds an empty choice ("" = any level). */
export function LevelField(props: { testId: string; value: string; onChange: (level: string) => void; anyLabel?: string; disabled?: boolean }) {
  const { t } = useTranslation();
  return (
    <label>
      {t('fields.level')}
      <select data-testid={props.testId} value={props.value} onChange={(e) => props.onChange(e.target.value)} disabled={props.disabled}>
        {props.anyLabel !== undefined && <option value="">{props.anyLabel}</option>}
        {CEFR_LEVELS.map((l) => (
          <option key={l}>{l}</option>
        ))}
      </select>
    </label>
  );
}

/** A slot's duration (seed 000 §2.1: 15, 30 or 45 minutes). */
export function DurationField(props: { testId: string; value: 15 | 30 | 45; onChange: (minutes: 15 | 30 | 45) => void; disabled?: boolean }) {
  const { t } = useTranslation();
  return (
    <label>
      {t('admin.duration')}
      <select data-testid={props.testId} value={props.value} onChange={(e) => props.onChange(Number(e.target.value) as 15 | 30 | 45)} disabled={props.disabled}>
        {([15, 30, 45] as const).map((m) => (
          <option key={m} value={m}>
            {t('slots.minutes', { count: m })}
          </option>
        ))}
      </select>
    </label>
  );
}
