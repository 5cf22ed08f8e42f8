import { endReasonText } from '../format.ts';

/** Shown after a call: why it ended, and the way back. */
export function EndedPage({ reason, message, onBack }: { reason: string | null; message: string | null; onBack: () => void }) {
  const text = message ?? (reason ? endReasonText(reason) : 'You left the call.');
  return (
    <main className="narrow" data-testid="call-ended" data-end-reason={reason ?? undefined}>
      <h1>{reason ? 'Session ended' : 'Call closed'}</h1>
      <p>{text}</p>
      <button className="primary" data-testid="back-to-slots" onClick={onBack}>
        Back to slots
      </button>
    </main>
  );
}
