/**
 * Camera and microphone constraints. `localStorage['conversation.videoQuality'] = 'low'` asks for
 * 320x240 at 15 fps (a slow connection or machine; the browser tests use it to spare CPU).
 */
export function mediaConstraints(): MediaStreamConstraints {
  let low = false;
  try {
    low = localStorage.getItem('conversation.videoQuality') === 'low';
  } catch {
    low = false;
  }
  const video: MediaTrackConstraints = low
    ? { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 15 } }
    : { width: { ideal: 640 }, height: { ideal: 480 } };
  return { audio: true, video };
}
