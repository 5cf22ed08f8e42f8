import { useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { CallState } from '../call/call-state.ts';
import type { CallController } from '../call/controller.ts';
import { listDevices, type DeviceLists } from '../call/devices.ts';
import { DevicePicker, MicLevel } from '../components/DevicePicker.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { InviteShare } from '../components/InviteShare.tsx';
import { RecordingPanel } from '../components/RecordingPanel.tsx';
import { Toasts } from '../components/Toasts.tsx';
import { VideoTile } from '../components/VideoTile.tsx';
import { formatDuration } from '../format.ts';
import { translate } from '../i18n/message.ts';
import { useNow } from '../hooks.ts';
import type { Session, User } from '../types.ts';
import { sessionSummary } from './WaitingRoom.tsx';

const STATUS_KEYS: Record<CallState['status'], string> = {
  connecting: 'call.status.connecting',
  connected: 'call.status.connected',
  reconnecting: 'call.status.reconnecting',
  ended: 'call.status.ended',
};

/**
 * The call: a video grid of everyone (host badge, active speaker highlighted, each remote tile
 * with the quality of our connection to them), mic/camera toggles, device switching, time
 * remaining, Leave, and for the host Start (a waiting private session) and End. On a phone the
 * controls sit in a bar at the bottom of the screen, within reach of a thumb.
 */
export function CallPage({ controller, session, user, onEnded }: { controller: CallController; session: Session; user: User; onEnded: (state: CallState) => void }) {
  const { t } = useTranslation();
  const state = useSyncExternalStore(controller.subscribe, controller.getState);
  const now = useNow();
  const [leaving, setLeaving] = useState(false);
  const [busy, setBusy] = useState<'start' | 'end' | null>(null);
  const [confirmEnd, setConfirmEnd] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [showDevices, setShowDevices] = useState(false);
  const [lists, setLists] = useState<DeviceLists>({ audioinput: [], videoinput: [], audiooutput: [] });

  useEffect(() => {
    if (state.status === 'ended') onEnded(state);
  }, [state, onEnded]);

  useEffect(() => {
    if (!showDevices) return;
    const refresh = () => void listDevices().then(setLists, () => undefined);
    refresh();
    navigator.mediaDevices?.addEventListener?.('devicechange', refresh);
    return () => navigator.mediaDevices?.removeEventListener?.('devicechange', refresh);
  }, [showDevices]);

  const isHost = state.hostUserId === user.id;
  const remaining = state.endsAt && state.sessionStatus === 'active' ? new Date(state.endsAt).getTime() - now : null;
  const tiles = state.participants.length + 1;
  const canStart = isHost && session.type === 'private' && state.sessionStatus === 'waiting';
  const recordingIds = new Set(state.recording.recordingUserIds);
  const local = state.localPreview;
  const hasMedia = (local?.getTracks().length ?? 0) > 0;

  const run = async (what: 'start' | 'end', action: () => Promise<void>) => {
    setBusy(what);
    setActionError(null);
    try {
      await action();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(null);
      setConfirmEnd(false);
    }
  };

  return (
    <main className="call" data-testid="call" data-call-status={state.status} data-session-status={state.sessionStatus} data-is-host={isHost ? 'true' : 'false'}>
      <header className="call-header">
        <div>
          <h1 className="call-title" data-testid="call-title">
            {sessionSummary(session)}
          </h1>
          <span className={`badge call-${state.status}`} data-testid="call-status">
            {t(STATUS_KEYS[state.status] as never)}
          </span>
          <span className="badge" data-testid="session-state">
            {state.sessionStatus === 'active' ? t('call.live') : session.type === 'private' ? t('call.waitingHost') : t('call.waitingStart')}
          </span>
          {isHost && <span className="badge badge-host">{t('call.youAreHost')}</span>}
        </div>
        {remaining !== null && (
          <div className="countdown" data-testid="time-remaining">
            {t('call.left', { duration: formatDuration(remaining) })}
          </div>
        )}
      </header>
      {state.status === 'reconnecting' && (
        <div className="reconnecting" role="status" data-testid="reconnecting-banner">
          {t('call.reconnecting')}
          {state.reconnect && (
            <span className="muted small"> {t('call.attempt', { attempt: state.reconnect.attempt, seconds: Math.max(0, Math.ceil((state.reconnect.nextAt - Date.now()) / 1000)) })}</span>
          )}
        </div>
      )}
      {session.type === 'private' && session.inviteCode && <InviteShare code={session.inviteCode} compact />}
      <section className={`grid grid-${Math.min(tiles, 9)}`} data-testid="video-grid" aria-label={t('call.grid')}>
        <VideoTile
          name={t('call.you', { name: user.name })}
          stream={local}
          micEnabled={state.micEnabled}
          cameraEnabled={state.cameraEnabled}
          local
          userId={user.id}
          host={isHost}
          speaking={state.selfSpeaking && state.micEnabled}
          recording={controller.recordingSelf}
        />
        {state.participants.map((p) => (
          <VideoTile
            key={p.userId}
            userId={p.userId}
            name={p.displayName}
            stream={p.stream}
            micEnabled={p.micEnabled}
            cameraEnabled={p.cameraEnabled}
            connectionState={p.connectionState}
            host={state.hostUserId === p.userId}
            speaking={p.speaking}
            restarting={p.restarting}
            recording={recordingIds.has(p.userId)}
            quality={p.quality}
            speakerId={state.devices.audiooutput}
          />
        ))}
      </section>
      {state.participants.length === 0 && <p className="muted center">{t('call.waitingOthers')}</p>}
      <RecordingPanel
        view={state.recording}
        canRecord={(local?.getAudioTracks().length ?? 0) > 0}
        live={state.sessionStatus === 'active' && state.status !== 'ended'}
        onStop={() => void controller.stopRecordingMe()}
        onRecord={() => void controller.recordMeAgain()}
      />
      {showDevices && (
        <section className="card call-devices" data-testid="call-devices" aria-label={t('devices.title')}>
          <DevicePicker
            lists={lists}
            choice={state.devices}
            disabled={state.switchingDevice !== null}
            onChange={(kind, id) => (kind === 'audiooutput' ? controller.setSpeaker(id) : void controller.switchDevice(kind, id))}
          />
          <MicLevel track={local?.getAudioTracks()[0] ?? null} />
          {state.switchingDevice && <p className="muted small">{t('devices.switching')}</p>}
          {state.deviceError !== null && (
            <div className="error" role="alert" data-testid="device-error">
              {t('devices.failed')}
            </div>
          )}
        </section>
      )}
      <ErrorMessage error={actionError} testId="call-error" />
      <footer className="controls call-controls" data-testid="call-controls">
        <button data-testid="toggle-mic" aria-pressed={!state.micEnabled} disabled={!local?.getAudioTracks().length} onClick={() => controller.toggleMic()}>
          {state.micEnabled ? t('call.mute') : t('call.unmute')}
        </button>
        <button data-testid="toggle-camera" aria-pressed={!state.cameraEnabled} disabled={!local?.getVideoTracks().length} onClick={() => controller.toggleCamera()}>
          {state.cameraEnabled ? t('call.stopCamera') : t('call.startCamera')}
        </button>
        <button data-testid="toggle-devices" aria-expanded={showDevices} disabled={!hasMedia} onClick={() => setShowDevices((v) => !v)}>
          {showDevices ? t('devices.hide') : t('devices.open')}
        </button>
        {canStart && (
          <button className="primary" data-testid="start-session" disabled={busy !== null} onClick={() => void run('start', () => controller.startSession())}>
            {busy === 'start' ? t('call.starting') : t('call.start')}
          </button>
        )}
        <button
          className="danger"
          data-testid="leave-call"
          disabled={leaving}
          onClick={() => {
            setLeaving(true);
            void controller.leave();
          }}
        >
          {leaving ? t('call.leaving') : t('call.leave')}
        </button>
        {isHost &&
          (confirmEnd ? (
            <>
              <button className="danger" data-testid="confirm-end-session" disabled={busy !== null} onClick={() => void run('end', () => controller.endSession())}>
                {busy === 'end' ? t('call.ending') : t('call.confirmEnd')}
              </button>
              <button data-testid="cancel-end-session" onClick={() => setConfirmEnd(false)}>
                {t('call.keepGoing')}
              </button>
            </>
          ) : (
            <button className="danger" data-testid="end-session" onClick={() => setConfirmEnd(true)}>
              {t('call.end')}
            </button>
          ))}
      </footer>
      {state.notices.length > 0 && (
        <ul className="notices" data-testid="notices" aria-label={t('call.notices')}>
          {state.notices.map((n, i) => (
            <li key={`${i}-${n.key}`}>{translate(n)}</li>
          ))}
        </ul>
      )}
      <Toasts toasts={state.toasts} />
    </main>
  );
}
