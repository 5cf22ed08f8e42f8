import { ApiError } from '../api.ts';
import { errorText } from '../format.ts';

/** An error in words, with the API's code when there is one. */
export function ErrorMessage({ error, testId = 'error' }: { error: unknown; testId?: string }) {
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : null;
  const text = error instanceof ApiError ? errorText(error.code, error.message) : error instanceof Error ? error.message : String(error);
  return (
    <div className="error" role="alert" data-testid={testId} data-error-code={code ?? undefined}>
      {text}
      {code && <code className="error-code">{code}</code>}
    </div>
  );
}
