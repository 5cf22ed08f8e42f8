import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, tokenStore } from './api.ts';
import type { CallState } from './call/call-state.ts';
import { CallController } from './call/controller.ts';
import { forgetIceServers, loadRtcConfiguration } from './call/ice.ts';
import { syncServerClock } from './clock.ts';
import { SessionBanner } from './components/SessionBanner.tsx';
import { TopBar, type NavItem } from './components/TopBar.tsx';
import { useHashRoute, usePolling } from './hooks.ts';
import { AdminPage } from './pages/AdminPage.tsx';
import { CalendarPage } from './pages/CalendarPage.tsx';
import { CallPage } from './pages/CallPage.tsx';
import { HistoryPage } from './pages/HistoryPage.tsx';
import { JoinLivePage } from './pages/JoinLivePage.tsx';
import { LiveSessionPage } from './pages/LiveSessionPage.tsx';
import { LiveSessionsPage } from './pages/LiveSessionsPage.tsx';
import { PrivatePage } from './pages/PrivatePage.tsx';
import { RecapPage } from './pages/RecapPage.tsx';
import { RegistrationsPage } from './pages/RegistrationsPage.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { SlotsPage } from './pages/SlotsPage.tsx';
import { TeachPage } from './pages/TeachPage.tsx';
import { WaitingRoom, type MediaChoice } from './pages/WaitingRoom.tsx';
import type { Message } from './i18n/message.ts';
import type { Session, User } from './types.ts';

/** The signed-in user (the token itself stays in `tokenStore`, read by every API call). */
interface Auth {
  user: User;
}

/** Where the user is in the call flow; `browse` shows the tabbed pages. */
type Phase =
  | { kind: 'browse' }
  | { kind: 'waiting-room'; session: Session; consentPreset: boolean | null }
  | { kind: 'call'; session: Session; controller: CallController }
  | { kind: 'recap'; sessionId: string; reason: string | null; message: Message | null };

const SESSION_POLL_MS = 3000;

/** The consent a member already gave for `session` (private sessions ask it when creating or joining). */
function knownConsent(session: Session, userId: string): boolean | null {
  if (session.type !== 'private') return null;
  return session.participants.find((p) => p.userId === userId)?.recordingConsent ?? null;
}

/** The application shell: sign-in, navigation, session polling and the call flow. */
export function App() {
  // Subscribes the whole tree to language changes: every page re-renders in the new language.
  const { t } = useTranslation();
  const [auth, setAuth] = useState<Auth | null>(null);
  const [checking, setChecking] = useState(() => tokenStore.get() !== null);
  const [route, navigate] = useHashRoute();
  const [phase, setPhase] = useState<Phase>({ kind: 'browse' });
  const [current, setCurrent] = useState<Session | null>(null);
  const [enterError, setEnterError] = useState<unknown>(null);

  const signOut = useCallback(() => {
    // Outside any state updater: StrictMode runs updaters twice, and they must stay pure.
    if (phase.kind === 'call') phase.controller.teardown();
    tokenStore.clear();
    forgetIceServers();
    setAuth(null);
    setCurrent(null);
    setPhase({ kind: 'browse' });
  }, [phase]);

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
      .then((user) => setAuth({ user }))
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

  const openWaitingRoom = (session: Session, consentPreset: boolean | null) => {
    void syncServerClock();
    setEnterError(null);
    setPhase({ kind: 'waiting-room', session, consentPreset });
  };

  const enterCall = async (session: Session, consentPreset: boolean | null, choice: MediaChoice) => {
    if (!auth) return;
    setEnterError(null);
    try {
      // The consent is chosen before joining: with create/join for private sessions, here for the others.
      if (choice.recordingConsent !== consentPreset) {
        await api.setConsent(session.id, choice.recordingConsent);
      }
      await syncServerClock();
    } catch (err) {
      setEnterError(err);
      return;
    }
    const controller = new CallController({
      self: auth.user,
      session,
      localStream: choice.stream,
      speakerId: choice.speakerId,
      rtcConfig: () => loadRtcConfiguration(),
      micEnabled: choice.micEnabled,
      cameraEnabled: choice.cameraEnabled,
      recordingConsent: choice.recordingConsent,
    });
    controller.start();
    setPhase({ kind: 'call', session, controller });
  };

  const onCallEnded = useCallback((state: CallState) => {
    setCurrent(null);
    setPhase((p) => (p.kind === 'call' ? { kind: 'recap', sessionId: p.session.id, reason: state.endReason, message: state.endMessage } : p));
  }, []);

  if (checking) return <main className="narrow muted">{t('app.loading')}</main>;
  if (!auth) {
    return (
      <SignIn
        onSignedIn={(token, user) => {
          tokenStore.set(token);
          setAuth({ user });
        }}
      />
    );
  }

  const isAdmin = auth.user.roles.includes('admin');
  // Live courses (seed 004): `live`, `live-sessions/{id}`, `live-sessions/{id}/join`, `teach[/{courseId}]`, `calendar`.
  const liveRoom = /^live-sessions\/([^/]+)\/join$/.exec(route)?.[1] ?? null;
  const liveSession = /^live-sessions\/([^/]+)$/.exec(route)?.[1] ?? null;
  const teachCourse = /^teach\/(.+)$/.exec(route)?.[1] ?? null;
  const openLive = (id: string) => navigate(`live-sessions/${encodeURIComponent(id)}/join`);
  const inCall = phase.kind === 'call' || phase.kind === 'waiting-room' || liveRoom !== null;
  const joinCode = /^join\/(.+)$/.exec(route)?.[1] ?? null;
  const page = joinCode !== null ? 'private' : teachCourse !== null ? 'teach' : liveSession !== null ? 'live' : route;
  const nav: NavItem[] = inCall
    ? []
    : [
        { to: 'slots', labelKey: 'app.nav.slots', testId: 'nav-slots' },
        { to: 'private', labelKey: 'app.nav.private', testId: 'nav-private' },
        { to: 'registrations', labelKey: 'app.nav.registrations', testId: 'nav-registrations' },
        { to: 'history', labelKey: 'app.nav.history', testId: 'nav-history' },
        { to: 'live', labelKey: 'app.nav.live', testId: 'nav-live' },
        ...(auth.user.roles.includes('instructor') ? [{ to: 'teach', labelKey: 'app.nav.teach', testId: 'nav-teach' }] : []),
        { to: 'calendar', labelKey: 'app.nav.calendar', testId: 'nav-calendar' },
        ...(isAdmin ? [{ to: 'admin', labelKey: 'app.nav.admin', testId: 'nav-admin' }] : []),
      ];

  return (
    <div className="app">
      <TopBar user={auth.user} nav={nav} active={page} onNavigate={() => setPhase((p) => (p.kind === 'recap' ? { kind: 'browse' } : p))} onSignOut={signOut} />

      {phase.kind === 'browse' && liveRoom !== null && (
        <JoinLivePage key={liveRoom} sessionId={decodeURIComponent(liveRoom)} user={auth.user} onLeave={() => navigate('live')} />
      )}
      {phase.kind === 'browse' && liveRoom === null && (
        <>
          {current && current.status !== 'ended' && (
            <SessionBanner session={current} onJoin={() => openWaitingRoom(current, knownConsent(current, auth.user.id))} />
          )}
          {page === 'registrations' ? (
            <RegistrationsPage />
          ) : page === 'history' ? (
            <HistoryPage />
          ) : page === 'private' ? (
            <PrivatePage key={joinCode ?? ''} initialCode={joinCode} onSession={(session, consent) => openWaitingRoom(session, consent)} />
          ) : page === 'admin' && isAdmin ? (
            <AdminPage />
          ) : liveSession !== null ? (
            <LiveSessionPage key={liveSession} sessionId={decodeURIComponent(liveSession)} onJoin={(s) => openLive(s.id)} />
          ) : page === 'live' ? (
            <LiveSessionsPage onJoin={(s) => openLive(s.id)} />
          ) : page === 'teach' ? (
            <TeachPage key={teachCourse ?? ''} courseId={teachCourse === null ? null : decodeURIComponent(teachCourse)} onOpenRoom={(s) => openLive(s.id)} />
          ) : page === 'calendar' ? (
            <CalendarPage />
          ) : (
            <SlotsPage />
          )}
        </>
      )}
      {phase.kind === 'waiting-room' && (
        <WaitingRoom
          session={phase.session}
          user={auth.user}
          consentPreset={phase.consentPreset}
          error={enterError}
          onEnter={(choice) => void enterCall(phase.session, phase.consentPreset, choice)}
          onCancel={() => setPhase({ kind: 'browse' })}
        />
      )}
      {phase.kind === 'call' && <CallPage controller={phase.controller} session={phase.session} user={auth.user} onEnded={onCallEnded} />}
      {phase.kind === 'recap' && (
        <RecapPage
          sessionId={phase.sessionId}
          reason={phase.reason}
          message={phase.message}
          user={auth.user}
          onBack={() => {
            setPhase({ kind: 'browse' });
            navigate('slots');
          }}
          onHistory={() => {
            setPhase({ kind: 'browse' });
            navigate('history');
          }}
        />
      )}
    </div>
  );
}
