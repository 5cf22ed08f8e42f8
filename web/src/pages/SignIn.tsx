import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Preferences } from '../components/Preferences.tsx';
import type { User } from '../types.ts';

/**
 * Sign-in: development sign-in by display name when the server is in dev mode
 * (`/api/auth/config`), and always pasting a platform token (checked with `/api/me`).
 */
export function SignIn({ onSignedIn }: { onSignedIn: (token: string, user: User) => void }) {
  const { t } = useTranslation();
  const [devMode, setDevMode] = useState<boolean | null>(null);
  const [name, setName] = useState('');
  const [admin, setAdmin] = useState(false);
  const [instructor, setInstructor] = useState(false);
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api.authConfig().then(
      (c) => setDevMode(c.devMode),
      () => setDevMode(false),
    );
  }, []);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const devSignIn = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const { token: t, user } = await api.devToken(name.trim(), admin, instructor);
      onSignedIn(t, user);
    });
  };

  const tokenSignIn = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const t = token.trim();
      const user = await api.me(t);
      onSignedIn(t, user);
    });
  };

  return (
    <main className="narrow">
      <div className="controls signin-preferences">
        <Preferences />
      </div>
      <h1>{t('app.brand')}</h1>
      <p className="muted">{t('app.tagline')}</p>
      <ErrorMessage error={error} testId="signin-error" />
      {devMode && (
        <form className="card" onSubmit={devSignIn} data-testid="dev-signin-form">
          <h2>{t('signin.devTitle')}</h2>
          <label>
            {t('signin.name')}
            <input data-testid="signin-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={60} autoFocus />
          </label>
          <label className="inline">
            <input type="checkbox" data-testid="signin-admin" checked={admin} onChange={(e) => setAdmin(e.target.checked)} /> {t('signin.admin')}
          </label>
          <label className="inline">
            <input type="checkbox" data-testid="signin-instructor" checked={instructor} onChange={(e) => setInstructor(e.target.checked)} /> {t('signin.instructor')}
          </label>
          <button className="primary" data-testid="signin-submit" disabled={busy || !name.trim()}>
            {t('signin.submit')}
          </button>
        </form>
      )}
      <form className="card" onSubmit={tokenSignIn}>
        <h2>{t('signin.tokenTitle')}</h2>
        <label>
          {t('signin.token')}
          <textarea data-testid="signin-token" value={token} onChange={(e) => setToken(e.target.value)} rows={3} spellCheck={false} />
        </label>
        <button data-testid="signin-token-submit" disabled={busy || !token.trim()}>
          {t('signin.tokenSubmit')}
        </button>
      </form>
    </main>
  );
}
