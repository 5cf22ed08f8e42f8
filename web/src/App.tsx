import { useCallback, useEffect, useState } from 'react';
import { ApiError, api, tokenStore } from './api.ts';
import { CallController, type CallState } from './call/controller.ts';
import { loadRtcConfiguration } from './call/ice.ts';
import { syncServerClock } from './clock.ts';
import { ErrorMessage } from './components/ErrorMessage.tsx';
import { SessionBanner } from './components/SessionBanner.tsx';
import { useHashRoute, usePolling } from './hooks.ts';
import { AdminPage } from './pages/AdminPage.tsx';
import { CallPage } from './pages/CallPage.tsx';
import { EndedPage } from './pages/EndedPage.tsx';
import { RegistrationsPage } from './pages/RegistrationsPage.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { SlotsPage } from './pages/SlotsPage.tsx';
import { WaitingRoom, type MediaChoice } from './pages/WaitingRoom.tsx';
import type { Session, User } from './types.ts';

interface Auth {
  token: string;
  user: User;
}

/** Where the user is in the call flow; `browse` shows the tabbed pages. */
type Phase =
  | { kind: 'browse' }
  | { kind: 'waiting-room'; session: Session }
  | { kind: 'call'; session: Session; controller: CallController }
  | { kind: 'ended'; reason: string | null; message: string | null };

const SESSION_POLL_MS = 3000;

/** The application shell: sign-in, navigation, session polling and the call flow. */
export function App() {
  const [auth, setAuth] = useState<Auth | null>(null);
  const [checking, setChecking] = useState(() => tokenStore.get() !== null);
  const [route, navigate] = useHashRoute();
  const [phase, setPhase] = useState<Phase>({ kind: 'browse' });
  const [current, setCurrent] = useState<Session | null>(null);
  const [joinError, setJoinError] = useState<unknown>(null);

  const signOut = useCallback(() => {
    tokenStore.clear();
    setAuth(null);
    setCurrent(null);
    setPhase((p) => {
      if (p.kind === 'call') p.controller.teardown();
      return { kind: 'browse' };
    });
  }, []);

  // Countdowns run on the server's clock.
  useEffect(() => {
    void syncServerClock();
    const id = setInterval(() => void syncServerClock(), 60_000);
    return () => clearInterval(id);
  }, []);

  // Restore the stored token.
  useEffect(() => {
    const token = tokenStore.get();
    if (!token) return;
    api
      .me(token)
      .then((user) => setAuth({ token, user }))
      .catch((err) => {
        if (err instanceof ApiError && err.status === 401) tokenStore.clear();
      })
      .finally(() => setChecking(false));
  }, []);

  // The server decides when a session is joinable; ask it every few seconds.
  usePolling(
    async () => {
      try {
        setCurrent(await api.currentSession());
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) signOut();
      }
    },
    SESSION_POLL_MS,
    auth !== null && phase.kind === 'browse',
  );

  const enterCall = async (session: Session, choice: MediaChoice) => {
    if (!auth) return;
    setJoinError(null);
    try {
      await syncServerClock();
      const controller = new CallController({
        token: auth.token,
        self: auth.user,
        session,
        localStream: choice.stream,
        rtcConfig: await loadRtcConfiguration(),
        micEnabled: choice.micEnabled,
        cameraEnabled: choice.cameraEnabled,
      });
      controller.start();
      setPhase({ kind: 'call', session, controller });
    } catch (err) {
      choice.stream?.getTracks().forEach((t) => t.stop());
      setJoinError(err);
      setPhase({ kind: 'browse' });
    }
  };

  const onCallEnded = useCallback((state: CallState) => {
    setCurrent(null);
    // A deliberate leave goes straight back to the slots; anything else explains itself.
    if (state.endReason === null && state.endMessage === null) {
      setPhase({ kind: 'browse' });
      window.location.hash = '#/slots';
    } else {
      setPhase({ kind: 'ended', reason: state.endReason, message: state.endMessage });
    }
  }, []);

  if (checking) return <main className="narrow muted">Loading…</main>;
  if (!auth) {
    return (
      <SignIn
        onSignedIn={(token, user) => {
          tokenStore.set(token);
          setAuth({ token, user });
        }}
      />
    );
  }

  const isAdmin = auth.user.roles.includes('admin');
  const inCall = phase.kind === 'call' || phase.kind === 'waiting-room';

  return (
    <div className="app">
      <nav className="topbar">
        <span className="brand">Conversation practice</span>
        {!inCall && (
          <>
            <a href="#/slots" className={route === 'slots' ? 'active' : ''} data-testid="nav-slots">
              Slots
            </a>
            <a href="#/registrations" className={route === 'registrations' ? 'active' : ''} data-testid="nav-registrations">
              My registrations
            </a>
            {isAdmin && (
              <a href="#/admin" className={route === 'admin' ? 'active' : ''} data-testid="nav-admin">
                Admin
              </a>
            )}
          </>
        )}
        <span className="spacer" />
        <span className="user" data-testid="current-user" data-user-id={auth.user.id}>
          {auth.user.name}
          {isAdmin && <span className="badge">admin</span>}
          {auth.user.tier === 'premium' && <span className="badge">premium</span>}
        </span>
        <button className="link" data-testid="sign-out" onClick={signOut}>
          Sign out
        </button>
      </nav>

      {phase.kind === 'browse' && (
        <>
          {current && current.status !== 'ended' && <SessionBanner session={current} onJoin={() => {
                void syncServerClock();
                setPhase({ kind: 'waiting-room', session: current });
              }} />}
          <ErrorMessage error={joinError} />
          {route === 'registrations' ? <RegistrationsPage /> : route === 'admin' && isAdmin ? <AdminPage /> : <SlotsPage />}
        </>
      )}
      {phase.kind === 'waiting-room' && (
        <WaitingRoom
          session={phase.session}
          user={auth.user}
          onEnter={(choice) => void enterCall(phase.session, choice)}
          onCancel={() => setPhase({ kind: 'browse' })}
        />
      )}
      {phase.kind === 'call' && <CallPage controller={phase.controller} session={phase.session} user={auth.user} onEnded={onCallEnded} />}
      {phase.kind === 'ended' && (
        <EndedPage
          reason={phase.reason}
          message={phase.message}
          onBack={() => {
            setPhase({ kind: 'browse' });
            navigate('slots');
          }}
        />
      )}
    </div>
  );
}
