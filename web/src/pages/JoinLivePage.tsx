import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.ts';
import { ChatPanel } from '../components/ChatPanel.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { formatTime } from '../format.ts';
import { liveApi } from '../live/live-api.ts';
import { loadJitsiApi, roomOptions, type JitsiMeetApi } from '../live/jitsi.ts';
import type { ChatStreamStatus, LiveSession, User } from '../types.ts';

/** How often the page tells the server it is still in the room (the server's timeout is 30 s). */
const HEARTBEAT_MS = 15_000;

type Phase =
  | { kind: 'joining' }
  | { kind: 'connecting'; server: string }
  | { kind: 'in-room' }
  | { kind: 'unreachable'; server: string; why: string }
  | { kind: 'failed'; error: unknown }
  | { kind: 'ended' };

/**
 * The join page (seed 004 §3 étape 2, §4 étape 3): joins (enrolment, status and capacity checked
 * by the server), gets a Jitsi token, loads the IFrame API from the Jitsi server and opens the
 * room in 360p with the controls of seed 004 (mic, camera, screen share for instructors or when
 * allowed, leave), with the Q&A chat beside it. Heartbeats keep the attendance open; a Jitsi
 * server that cannot be reached is said so, with a retry.
 */
export function JoinLivePage({ sessionId, user, onLeave }: { sessionId: string; user: User; onLeave: () => void }) {
  const { t } = useTranslation();
  const [phase, setPhase] = useState<Phase>({ kind: 'joining' });
  const [session, setSession] = useState<LiveSession | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [muted, setMuted] = useState({ audio: false, video: false });
  const videoRef = useRef<HTMLDivElement>(null);
  const apiRef = useRef<JitsiMeetApi | null>(null);

  useEffect(() => {
    let cancelled = false;
    let beat: ReturnType<typeof setInterval> | undefined;
    const run = async () => {
      try {
        setPhase({ kind: 'joining' });
        const joined = await liveApi.join(sessionId);
        if (cancelled) return;
        setSession(joined.session);
        beat = setInterval(() => {
          liveApi.heartbeat(sessionId).catch((err: unknown) => {
            // Counted as gone (a sleeping laptop, a long network drop): take the seat again.
            if (err instanceof ApiError && err.code === 'NOT_PRESENT') liveApi.join(sessionId).catch((e: unknown) => setPhase({ kind: 'failed', error: e }));
          });
        }, HEARTBEAT_MS);
        const [token, config] = await Promise.all([liveApi.jitsiToken(sessionId), liveApi.jitsiConfig()]);
        if (cancelled) return;
        setPhase({ kind: 'connecting', server: config.domain });
        let Api;
        try {
          Api = await loadJitsiApi(config.externalApiUrl);
        } catch (err) {
          if (!cancelled) setPhase({ kind: 'unreachable', server: config.url, why: (err as Error).message });
          return;
        }
        if (cancelled || !videoRef.current) return;
        const staff = joined.session.myRoles.includes('instructor') || joined.session.myRoles.includes('moderator');
        const api = new Api(
          config.domain,
          roomOptions({
            roomName: token.roomName,
            jwt: token.jwt,
            parentNode: videoRef.current,
            displayName: user.name,
            email: user.email,
            canShareScreen: staff || joined.session.studentScreenShare,
          }),
        );
        apiRef.current = api;
        const password = joined.jitsiRoomPassword;
        api.addListener('videoConferenceJoined', () => {
          setPhase({ kind: 'in-room' });
          // The first moderator in sets the room's password; others are asked and the page answers.
          if (password && token.moderator) api.executeCommand('password', password);
        });
        api.addListener('passwordRequired', () => {
          if (password) api.executeCommand('password', password);
        });
        api.addListener('audioMuteStatusChanged', (p) => setMuted((m) => ({ ...m, audio: Boolean((p as { muted?: boolean }).muted) })));
        api.addListener('videoMuteStatusChanged', (p) => setMuted((m) => ({ ...m, video: Boolean((p as { muted?: boolean }).muted) })));
        api.addListener('readyToClose', () => void leave());
      } catch (err) {
        if (!cancelled) setPhase({ kind: 'failed', error: err });
      }
    };
    void run();
    return () => {
      cancelled = true;
      clearInterval(beat);
      apiRef.current?.dispose();
      apiRef.current = null;
    };
    // `leave` only reads refs and props; a new attempt (retry) re-runs the whole join.
  }, [sessionId, attempt]);

  // Navigating away from the page leaves the room (a retry does not: it keeps the seat).
  useEffect(
    () => () => {
      void liveApi.leave(sessionId).catch(() => undefined);
    },
    [sessionId],
  );

  const leave = async () => {
    apiRef.current?.dispose();
    apiRef.current = null;
    await liveApi.leave(sessionId).catch(() => undefined);
    onLeave();
  };
  const command = (name: string) => () => apiRef.current?.executeCommand(name);
  const onStatus = (s: ChatStreamStatus) => {
    if (s.status === 'ended' || s.status === 'cancelled') {
      apiRef.current?.dispose();
      apiRef.current = null;
      setPhase({ kind: 'ended' });
    }
  };
  const staff = session ? session.myRoles.includes('instructor') || session.myRoles.includes('moderator') : false;
  const canShare = staff || Boolean(session?.studentScreenShare);

  return (
    <main className="call live-room" data-testid="join-live" data-phase={phase.kind} data-session-id={sessionId}>
      <div className="call-header">
        <div>
          <h1>{session ? session.title : t('liveRoom.joining')}</h1>
          {session && (
            <span className="muted small">
              {session.courseTitle} · {t('liveRoom.until', { time: formatTime(session.endAt) })}
            </span>
          )}
        </div>
        <button className="danger" data-testid="leave-live" onClick={() => void leave()}>
          {t('call.leave')}
        </button>
      </div>
      {phase.kind === 'failed' && (
        <div>
          <ErrorMessage error={phase.error} testId="join-error" />
          <button onClick={onLeave}>{t('liveRoom.backToSessions')}</button>
        </div>
      )}
      {phase.kind === 'ended' && (
        <p className="notice" data-testid="live-ended">
          {t('liveRoom.ended')}{' '}
          <button onClick={onLeave}>{t('liveRoom.backToSessions')}</button>
        </p>
      )}
      <div className="live-layout">
        <div className="live-video">
          {phase.kind === 'unreachable' && (
            <div className="error" role="alert" data-testid="jitsi-unreachable">
              {t('liveRoom.unreachable', { server: phase.server, why: phase.why })}{' '}
              <button onClick={() => setAttempt((n) => n + 1)} data-testid="jitsi-retry">
                {t('liveRoom.retry')}
              </button>
            </div>
          )}
          {(phase.kind === 'joining' || phase.kind === 'connecting') && (
            <p className="muted" data-testid="jitsi-connecting">
              {phase.kind === 'joining' ? t('liveRoom.joiningSession') : t('liveRoom.connecting', { server: phase.server })}
            </p>
          )}
          <div className="jitsi-frame" ref={videoRef} data-testid="jitsi-container" />
          {phase.kind === 'in-room' && (
            <div className="controls call-controls" data-testid="live-controls">
              <button data-testid="live-mic" aria-pressed={muted.audio} onClick={command('toggleAudio')}>
                {muted.audio ? t('call.unmute') : t('call.mute')}
              </button>
              <button data-testid="live-camera" aria-pressed={muted.video} onClick={command('toggleVideo')}>
                {muted.video ? t('call.startCamera') : t('call.stopCamera')}
              </button>
              {canShare && (
                <button data-testid="live-screenshare" onClick={command('toggleShareScreen')}>
                  {t('liveRoom.share')}
                </button>
              )}
            </div>
          )}
        </div>
        {session && <ChatPanel sessionId={sessionId} canModerate={staff} onStatus={onStatus} />}
      </div>
    </main>
  );
}
