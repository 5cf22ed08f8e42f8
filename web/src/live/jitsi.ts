/** The parts of the Jitsi Meet IFrame API (`external_api.js`) the join page uses. */
export interface JitsiMeetApi {
  addListener(event: string, listener: (payload: unknown) => void): void;
  executeCommand(command: string, ...args: unknown[]): void;
  dispose(): void;
}

export type JitsiMeetExternalApiConstructor = new (domain: string, options: Record<string, unknown>) => JitsiMeetApi;

declare global {
  interface Window {
    JitsiMeetExternalAPI?: JitsiMeetExternalApiConstructor;
  }
}

/** How long the page waits for `external_api.js` before saying the video server cannot be reached. */
export const SCRIPT_TIMEOUT_MS = 15_000;

let loading: Promise<JitsiMeetExternalApiConstructor> | null = null;

/**
 * Loads the IFrame API from the Jitsi server once (`{JITSI_URL}/external_api.js`, seed 004 §3).
 * @throws Error when the script cannot be loaded within 15 s or defines no `JitsiMeetExternalAPI`
 *   (the page then says the video server is unreachable, and a retry loads it afresh).
 */
export function loadJitsiApi(src: string, timeoutMs = SCRIPT_TIMEOUT_MS): Promise<JitsiMeetExternalApiConstructor> {
  if (window.JitsiMeetExternalAPI) return Promise.resolve(window.JitsiMeetExternalAPI);
  loading ??= new Promise<JitsiMeetExternalApiConstructor>((resolve, reject) => {
    const script = document.createElement('script');
    const fail = (why: string) => {
      clearTimeout(timer);
      script.remove();
      loading = null;
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail('timed out'), timeoutMs);
    script.src = src;
    script.async = true;
    script.onload = () => {
      clearTimeout(timer);
      if (window.JitsiMeetExternalAPI) resolve(window.JitsiMeetExternalAPI);
      else fail('the script defines no JitsiMeetExternalAPI');
    };
    script.onerror = () => fail('the script could not be loaded');
    document.head.appendChild(script);
  });
  return loading;
}

/** The toolbar of seed 004 §3-§4: mic, camera, screen share (instructors, or students when allowed), leave. */
export function toolbarButtons(canShareScreen: boolean): string[] {
  return ['microphone', 'camera', ...(canShareScreen ? ['desktop'] : []), 'hangup'];
}

/**
 * The IFrame API options of a live course room: the token, 360p by default (seed 004 §5), no
 * pre-join screen or app deep link, the toolbar above, the user's name.
 */
export function roomOptions(input: { roomName: string; jwt: string; parentNode: HTMLElement; displayName: string; email: string | null; canShareScreen: boolean }) {
  const buttons = toolbarButtons(input.canShareScreen);
  return {
    roomName: input.roomName,
    jwt: input.jwt,
    parentNode: input.parentNode,
    width: '100%',
    height: '100%',
    userInfo: { displayName: input.displayName, ...(input.email ? { email: input.email } : {}) },
    configOverwrite: {
      resolution: 360,
      constraints: { video: { height: { ideal: 360, max: 360, min: 180 } } },
      prejoinPageEnabled: false,
      prejoinConfig: { enabled: false },
      disableDeepLinking: true,
      toolbarButtons: buttons,
    },
    interfaceConfigOverwrite: { TOOLBAR_BUTTONS: buttons },
  };
}
