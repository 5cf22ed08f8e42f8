/**
 * The recording consent asked before joining any session (seed 000 section 5.4): each
 * participant chooses; only the audio of those who say yes is recorded. Nothing is preselected
 * for a new choice, so the answer is always a deliberate one.
 */
export function ConsentChoice({ value, onChange, name }: { value: boolean | null; onChange: (consent: boolean) => void; name: string }) {
  return (
    <fieldset className="consent" data-testid="consent-choice" data-value={value === null ? '' : String(value)}>
      <legend>Record my audio for AI feedback?</legend>
      <p className="muted small">
        Only your own voice is recorded, and only if you say yes. The recording goes to the feedback service, which sends you
        personal feedback after the session; it is deleted after 30 days.
      </p>
      <label className="inline">
        <input type="radio" name={name} data-testid="consent-yes" checked={value === true} onChange={() => onChange(true)} /> Yes, record my audio
      </label>
      <label className="inline">
        <input type="radio" name={name} data-testid="consent-no" checked={value === false} onChange={() => onChange(false)} /> No, do not record me
      </label>
    </fieldset>
  );
}
