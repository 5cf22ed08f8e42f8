import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.ts';
import { describeError } from '../i18n/errors.ts';

/**
 * An error in words of the chosen language (each API code has its sentence, `i18n/errors.ts`),
 * with the code beside it for support requests.
 */
export function ErrorMessage({ error, testId = 'error' }: { error: unknown; testId?: string }) {
  useTranslation(); // re-render on a language switch
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="error" role="alert" data-testid={testId} data-error-code={code ?? undefined}>
      {describeError(error)}
      {code && <code className="error-code">{code}</code>}
    </div>
  );
}
