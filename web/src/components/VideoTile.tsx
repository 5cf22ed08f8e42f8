import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { QualityAssessment } from '../call/call-quality.ts';
import { routeToSpeaker } from '../call/devices.ts';

/** One tile of the video grid: ours (`local`) or a remote participant's. */
export interface VideoTileProps {
  name: string;
  stream: MediaStream | null;
  micEnabled: boolean;
  cameraEnabled: boolean;
  /** Peer connection state; omitted for the local tile. */
  connectionState?: string;
  /** True for our own preview: muted and mirrored. */
  local?: boolean;
  userId?: string;
  /** Shows the host badge. */
  host?: boolean;
  /** Highlights the tile while this participant speaks. */
  speaking?: boolean;
  /** An ICE restart towards this participant is under way. */
  restarting?: boolean;
  /** Their own audio is being recorded right now (seed 000 §5.4: everyone sees who). */
  recording?: boolean;
  /** The quality of our connection to them (remote tiles), from that connection's stats only. */
  quality?: QualityAssessment | null;
  /** The speaker their sound plays on (`setSinkId`), when the user chose one. */
  speakerId?: string;
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
}

/** The catalogue key of a peer connection state (unknown states show as they are). */
const STATE_KEYS: Record<string, string> = {
  new: 'tile.state.new',
  waiting: 'tile.state.waiting',
  connecting: 'tile.state.connecting',
  connected: 'tile.state.connected',
  disconnected: 'tile.state.disconnected',
  failed: 'tile.state.failed',
  closed: 'tile.state.closed',
};

/**
 * One participant's video with name, mic/camera indicators and, for remote participants, the
 * connection state and its quality (bars and, when poor, a plain-language hint).
 */
export function VideoTile({ name, stream, micEnabled, cameraEnabled, connectionState, local = false, userId, host = false, speaking = false, restarting = false, recording = false, quality, speakerId }: VideoTileProps) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = video.current;
    if (!el) return;
    if (el.srcObject !== stream) el.srcObject = stream;
    if (stream) el.play().catch(() => undefined);
  }, [stream]);
  useEffect(() => {
    if (!local && video.current) void routeToSpeaker(video.current, speakerId);
  }, [local, speakerId, stream]);

  const showVideo = stream !== null && cameraEnabled;
  const level = quality?.quality ?? 'unknown';
  const hint = quality && quality.quality !== 'good' && quality.quality !== 'unknown' ? qualityHint(quality, t) : null;
  return (
    <figure
      className={`tile${local ? ' tile-local' : ''}${speaking ? ' tile-speaking' : ''}`}
      data-testid={local ? 'local-tile' : 'peer-tile'}
      data-user-id={userId}
      data-peer-state={connectionState}
      data-host={host ? 'true' : undefined}
      data-speaking={speaking ? 'true' : undefined}
      data-recording={recording ? 'true' : undefined}
      data-quality={local ? undefined : level}
    >
      <video ref={video} autoPlay playsInline muted={local} className={local ? 'mirrored' : undefined} hidden={!showVideo} aria-label={t('tile.video', { name })} />
      {!showVideo && (
        <div className="avatar" aria-hidden="true">
          {initials(name) || '?'}
        </div>
      )}
      <figcaption>
        <span className="tile-name">{name}</span>
        {host && (
          <span className="badge badge-host" data-testid="host-badge">
            {t('tile.host')}
          </span>
        )}
        {recording && (
          <span className="badge badge-recording" data-testid="recording-indicator" title={local ? t('tile.recordingYou') : t('tile.recordingThem', { name })}>
            {t('tile.rec')}
          </span>
        )}
        {speaking && (
          <span className="badge badge-speaking" data-testid="speaking">
            {t('tile.speaking')}
          </span>
        )}
        {!micEnabled && (
          <span className="badge badge-off" data-testid="mic-off">
            {t('tile.micOff')}
          </span>
        )}
        {!cameraEnabled && (
          <span className="badge badge-off" data-testid="camera-off">
            {t('tile.camOff')}
          </span>
        )}
        {connectionState && (
          <span className={`badge state-${connectionState}`} data-testid="peer-state">
            {restarting && connectionState !== 'connected' ? t('tile.reconnecting') : STATE_KEYS[connectionState] ? t(STATE_KEYS[connectionState] as never) : connectionState}
          </span>
        )}
        {!local && connectionState === 'connected' && (
          <span className={`badge quality quality-${level}`} data-testid="quality" data-quality={level}>
            <span className="bars" aria-hidden="true">
              <i />
              <i />
              <i />
            </span>
            {t(`quality.${level}`)}
          </span>
        )}
      </figcaption>
      {hint && (
        <p className="quality-hint" data-testid="quality-hint" role="status">
          {hint}
        </p>
      )}
    </figure>
  );
}

/** The hint of a fair or poor connection: its causes, worst first, in plain words. */
function qualityHint(quality: QualityAssessment, t: (key: never, values?: never) => string): string {
  const parts = quality.causes.map((cause) => t(`quality.cause.${cause}` as never));
  return [t((quality.quality === 'poor' ? 'quality.hint.poor' : 'quality.hint.fair') as never), ...parts].join(' ');
}
