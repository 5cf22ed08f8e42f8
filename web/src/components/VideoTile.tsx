import { useEffect, useRef } from 'react';

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
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
}

/** One participant's video with name, mic/camera indicators and (for remote participants) the connection state. */
export function VideoTile({ name, stream, micEnabled, cameraEnabled, connectionState, local = false, userId, host = false, speaking = false, restarting = false, recording = false }: VideoTileProps) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = video.current;
    if (!el) return;
    if (el.srcObject !== stream) el.srcObject = stream;
    if (stream) el.play().catch(() => undefined);
  }, [stream]);

  const showVideo = stream !== null && cameraEnabled;
  return (
    <figure
      className={`tile${local ? ' tile-local' : ''}${speaking ? ' tile-speaking' : ''}`}
      data-testid={local ? 'local-tile' : 'peer-tile'}
      data-user-id={userId}
      data-peer-state={connectionState}
      data-host={host ? 'true' : undefined}
      data-speaking={speaking ? 'true' : undefined}
      data-recording={recording ? 'true' : undefined}
    >
      <video ref={video} autoPlay playsInline muted={local} className={local ? 'mirrored' : undefined} hidden={!showVideo} />
      {!showVideo && <div className="avatar">{initials(name) || '?'}</div>}
      <figcaption>
        <span className="tile-name">{name}</span>
        {host && (
          <span className="badge badge-host" data-testid="host-badge" title="Host">
            host
          </span>
        )}
        {recording && (
          <span className="badge badge-recording" data-testid="recording-indicator" title={local ? 'Your voice is being recorded' : `${name}'s voice is being recorded`}>
            ● rec
          </span>
        )}
        {speaking && (
          <span className="badge badge-speaking" data-testid="speaking" title="Speaking">
            speaking
          </span>
        )}
        {!micEnabled && (
          <span className="badge badge-off" data-testid="mic-off" title="Microphone off">
            mic off
          </span>
        )}
        {!cameraEnabled && (
          <span className="badge badge-off" data-testid="camera-off" title="Camera off">
            cam off
          </span>
        )}
        {connectionState && (
          <span className={`badge state-${connectionState}`} data-testid="peer-state">
            {restarting && connectionState !== 'connected' ? 'reconnecting…' : connectionState}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
