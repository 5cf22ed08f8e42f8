import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, api } from '../api.ts';
import { useTranslation } from 'react-i18next';
import { ConsentChoice } from '../components/ConsentChoice.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { LanguageField, LevelField } from '../components/LanguageLevelFields.tsx';
import { normalizeLanguageCode } from '../format.ts';
import { useNow } from '../hooks.ts';
import type { CefrLevel, Session } from '../types.ts';

const SIZES = [2, 3, 4, 5, 6];

/** "ab c-23x" → "ABC23X": what people paste or type is forgiven spaces, dashes and case. */
export function normalizeInviteCode(input: string): string {
  return input.replace(/[\s-]+/g, '').toUpperCase();
}

/**
 * Private sessions (seed 002 AC2, AC3): create one (the creator is its host) or join one with
 * an invite code. `/join/CODE` links open this page with the code filled in. Both forms ask the
 * recording consent first; `onSession` goes on to the waiting room.
 */
export function PrivatePage({ initialCode, onSession }: { initialCode: string | null; onSession: (session: Session, consent: boolean) => void }) {
  const { t } = useTranslation();
  return (
    <main>
      <h1>{t('private.title')}</h1>
      <p className="muted">{t('private.intro')}</p>
      <div className="two-columns">
        {initialCode ? (
          <>
            <JoinForm initialCode={initialCode} onSession={onSession} />
            <CreateForm onSession={onSession} />
          </>
        ) : (
          <>
            <CreateForm onSession={onSession} />
            <JoinForm initialCode="" onSession={onSession} />
          </>
        )}
      </div>
    </main>
  );
}

function CreateForm({ onSession }: { onSession: (session: Session, consent: boolean) => void }) {
  const { t } = useTranslation();
  const [language, setLanguage] = useState('en');
  const [level, setLevel] = useState<CefrLevel | ''>('');
  const [topic, setTopic] = useState('');
  const [size, setSize] = useState(4);
  const [consent, setConsent] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (consent === null) return;
    setBusy(true);
    setError(null);
    try {
      const session = await api.createPrivateSession({
        type: 'private',
        targetLanguageCode: normalizeLanguageCode(language),
        ...(level ? { level } : {}),
        ...(topic.trim() ? { topicTitle: topic.trim() } : {}),
        maxParticipants: size,
        recordingConsent: consent,
      });
      onSession(session, consent);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form className="card" data-testid="create-private-form" onSubmit={(e) => void submit(e)}>
      <h2>{t('private.createTitle')}</h2>
      <LanguageField testId="private-language" listId="private-language-codes" value={language} onChange={setLanguage} required />
      <LevelField testId="private-level" value={level} onChange={(l) => setLevel(l as CefrLevel | '')} anyLabel={t('private.anyLevel')} />
      <label>
        {t('private.topic')}
        <input data-testid="private-topic" value={topic} onChange={(e) => setTopic(e.target.value)} maxLength={120} placeholder={t('private.topicPlaceholder')} />
      </label>
      <label>
        {t('private.size')}
        <select data-testid="private-size" value={size} onChange={(e) => setSize(Number(e.target.value))}>
          {SIZES.map((n) => (
            <option key={n} value={n}>
              {t('private.upTo', { count: n })}
            </option>
          ))}
        </select>
      </label>
      <ConsentChoice name="create-consent" value={consent} onChange={setConsent} />
      <ErrorMessage error={error} testId="create-error" />
      <button className="primary" data-testid="create-private" disabled={busy || consent === null || !language.trim()}>
        {busy ? t('private.creating') : t('private.create')}
      </button>
    </form>
  );
}

function JoinForm({ initialCode, onSession }: { initialCode: string; onSession: (session: Session, consent: boolean) => void }) {
  const { t } = useTranslation();
  const [code, setCode] = useState(() => normalizeInviteCode(initialCode));
  const [consent, setConsent] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const now = useNow(500);
  const waitSeconds = retryAt === null ? 0 : Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));

  useEffect(() => {
    if (retryAt !== null && waitSeconds === 0) setRetryAt(null);
  }, [retryAt, waitSeconds, now]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const inviteCode = normalizeInviteCode(code);
    if (consent === null || !inviteCode) return;
    setBusy(true);
    setError(null);
    try {
      const session = await api.joinByCode(inviteCode, consent);
      onSession(session, consent);
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.status === 429) setRetryAt(Date.now() + (err.retryAfterSeconds ?? 30) * 1000);
      setBusy(false);
    }
  };

  return (
    <form className="card" data-testid="join-code-form" onSubmit={(e) => void submit(e)}>
      <h2>{t('private.joinTitle')}</h2>
      <label>
        {t('private.code')}
        <input
          data-testid="join-code"
          className="code-input"
          value={code}
          onChange={(e) => setCode(normalizeInviteCode(e.target.value))}
          maxLength={12}
          autoComplete="off"
          spellCheck={false}
          placeholder="ABC234"
          required
        />
      </label>
      <ConsentChoice name="join-consent" value={consent} onChange={setConsent} />
      <ErrorMessage error={error} testId="join-error" />
      {waitSeconds > 0 && (
        <p className="notice" data-testid="join-retry-after">
          {t('private.retryIn', { count: waitSeconds })}
        </p>
      )}
      <button className="primary" data-testid="join-by-code" disabled={busy || consent === null || !code || waitSeconds > 0}>
        {busy ? t('private.joining') : t('private.join')}
      </button>
    </form>
  );
}
