/**
 * Camera, microphone and speaker choice (issue 15): the devices `enumerateDevices` lists (with
 * their labels once the user allowed the camera and microphone), the choice remembered in
 * localStorage and asked for again next time (`ideal`, so a device unplugged since falls back to
 * another), and the constraints that open one device exactly when the user switches.
 */
import { mediaConstraints } from './media.ts';

export type DeviceKind = 'audioinput' | 'videoinput' | 'audiooutput';

/** The chosen device id of each kind (absent: the browser's default). */
export type DeviceChoice = Partial<Record<DeviceKind, string>>;

/** The devices of each kind. */
export type DeviceLists = Record<DeviceKind, MediaDeviceInfo[]>;

const STORAGE_KEY = 'conversation.devices';

/** The remembered choice. */
export function storedDevices(): DeviceChoice {
  try {
    const parsed = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Record<string, unknown>;
    const choice: DeviceChoice = {};
    for (const kind of ['audioinput', 'videoinput', 'audiooutput'] as const) if (typeof parsed[kind] === 'string') choice[kind] = parsed[kind] as string;
    return choice;
  } catch {
    return {};
  }
}

/** Remembers one device of the choice. */
export function rememberDevice(kind: DeviceKind, deviceId: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...storedDevices(), [kind]: deviceId }));
  } catch {
    // No storage: the choice holds for this call.
  }
}

/** Whether the browser can send audio to a chosen speaker (`HTMLMediaElement.setSinkId`; Chromium yes, Safari and Firefox not everywhere). */
export function canChooseSpeaker(): boolean {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
}

/** The devices of each kind (labels are empty until the camera and microphone were allowed once). */
export async function listDevices(): Promise<DeviceLists> {
  const lists: DeviceLists = { audioinput: [], videoinput: [], audiooutput: [] };
  if (!navigator.mediaDevices?.enumerateDevices) return lists;
  for (const d of await navigator.mediaDevices.enumerateDevices()) if (d.kind in lists) lists[d.kind as DeviceKind].push(d);
  return lists;
}

/** `getUserMedia` constraints of the waiting room: the remembered devices preferred (`ideal`). */
export function preferredConstraints(choice: DeviceChoice): MediaStreamConstraints {
  const base = mediaConstraints();
  const video = typeof base.video === 'object' ? base.video : {};
  return {
    audio: choice.audioinput ? { deviceId: { ideal: choice.audioinput } } : true,
    video: choice.videoinput ? { ...video, deviceId: { ideal: choice.videoinput } } : base.video,
  };
}

/**
 * Opens one device (the user picked it) and gives its track.
 * @throws the `getUserMedia` error (`NotReadableError` when the device is busy, `OverconstrainedError` when it is gone).
 */
export async function openDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<MediaStreamTrack> {
  const base = mediaConstraints();
  const video = typeof base.video === 'object' ? base.video : {};
  const constraints: MediaStreamConstraints =
    kind === 'audioinput' ? { audio: { deviceId: { exact: deviceId } } } : { video: { ...video, deviceId: { exact: deviceId } } };
  const stream = await navigator.mediaDevices.getUserMedia(constraints);
  return (kind === 'audioinput' ? stream.getAudioTracks() : stream.getVideoTracks())[0]!;
}

/** The id of the device a live track comes from (`getSettings().deviceId`), if the browser says. */
export function deviceOf(track: MediaStreamTrack | undefined): string | undefined {
  return track?.getSettings?.().deviceId;
}

/** Sends a media element's sound to a speaker where the browser allows it. Never throws. */
export async function routeToSpeaker(element: HTMLMediaElement, deviceId: string | undefined): Promise<void> {
  if (!deviceId || !canChooseSpeaker()) return;
  const el = element as HTMLMediaElement & { setSinkId(id: string): Promise<void>; sinkId?: string };
  if (el.sinkId === deviceId) return;
  await el.setSinkId(deviceId).catch((err: unknown) => console.warn('[devices] speaker not available', err));
}

/**
 * Maps an RMS level (0..1 of full scale) to a meter position 0..1 on a -60..0 dBFS scale, the
 * range in which speech moves (a quiet room is below -50 dBFS, speech around -30 to -15).
 */
export function levelToMeter(rms: number): number {
  if (!(rms > 0)) return 0;
  const db = 20 * Math.log10(rms);
  return Math.min(1, Math.max(0, (db + 60) / 60));
}
