import { useTranslation } from 'react-i18next';
import type { Toast } from '../call/call-state.ts';
import { translate } from '../i18n/message.ts';

/** Short-lived announcements in a corner of the call screen. */
export function Toasts({ toasts }: { toasts: Toast[] }) {
  useTranslation();
  if (toasts.length === 0) return null;
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} className="toast" data-testid="toast">
          {translate(toast.message)}
        </div>
      ))}
    </div>
  );
}
