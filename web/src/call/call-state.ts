/** The state of a call as the screen renders it (`CallController.getState()`). */
import type { Message } from '../i18n/message.ts';
import type { Session } from '../types.ts';
import type { RecordingView } from './call-recording.ts';
import type { DeviceChoice, DeviceKind } from './devices.ts';
import type { ParticipantView } from './peer-connection.ts';

/** `connecting` until the first socket opens; `reconnecting` while signaling is down; `ended` for good. */
export type CallStatus = 'connecting' | 'connected' | 'reconnecting' | 'ended';

/** A short-lived announcement. */
export interface Toast {
  id: number;
  message: Message;
}

/** Everything the call screen renders; replaced (never mutated) on each change. */
export interface CallState {
  status: CallStatus;
  sessionStatus: Session['status'];
  startedAt: string | null;
  /** When the session ends: `endsAt` from the server, else the scheduled end. */
  endsAt: string | null;
  hostUserId: string | null;
  micEnabled: boolean;
  cameraEnabled: boolean;
  /** Our own voice activity (what we report to the others). */
  selfSpeaking: boolean;
  /** The remote participants, in the order they appeared. */
  participants: ParticipantView[];
  /** Recent events to put in words ("Ana joined"), newest last. */
  notices: Message[];
  /** Short-lived announcements ("Ana is now the host"), removed after a few seconds. */
  toasts: Toast[];
  /** While `reconnecting`: the attempt number and when the next one starts (ms since epoch, browser clock). */
  reconnect: { attempt: number; nextAt: number } | null;
  /** Set when `status` is `ended`: an end reason code (DESIGN 2) or `null` when we left or lost the connection. */
  endReason: string | null;
  /** Set when the call ended for a reason other than the session's end (lost connection, replaced...). */
  endMessage: Message | null;
  /** Who is being recorded, and our own recording (`call-recording.ts`). */
  recording: RecordingView;
  /** Our camera and microphone for the preview tile: a new stream object after each device switch. */
  localPreview: MediaStream | null;
  /** The devices in use (what the pickers show) and the speaker remote audio plays on. */
  devices: DeviceChoice;
  /** A device switch under way, or the last one's failure. */
  switchingDevice: DeviceKind | null;
  deviceError: unknown;
}
