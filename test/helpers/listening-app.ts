import { after, afterEach, before } from 'node:test';
import { createTestApp, type TestApp, type TestUser } from './harness.ts';
import { TestSocket } from './ws-client.ts';

/** A listening test app shared by a suite, with signaling sockets closed after each test. */
export interface ListeningApp {
  /** The app; set once the suite's `before` hooks have run. */
  t: TestApp;
  baseUrl: string;
  /** Opens a signaling socket for a user (or a raw token); it is closed after the test. */
  open(user: TestUser | string, sessionId: string): Promise<TestSocket>;
}

/**
 * Registers the suite hooks that build and listen (`before`), close leftover sockets
 * (`afterEach`) and close the app (`after`). Call it at the top of a `describe`.
 */
export function useListeningApp(opts: Parameters<typeof createTestApp>[0] = {}): ListeningApp {
  let sockets: TestSocket[] = [];
  const fixture: ListeningApp = {
    t: undefined as unknown as TestApp,
    baseUrl: '',
    async open(user, sessionId) {
      const s = await TestSocket.open(fixture.baseUrl, typeof user === 'string' ? user : user.token, sessionId);
      sockets.push(s);
      return s;
    },
  };
  before(async () => {
    fixture.t = await createTestApp(opts);
    fixture.baseUrl = await fixture.t.listen();
  });
  afterEach(async () => {
    await Promise.all(sockets.map((s) => (s.ws.readyState === s.ws.CLOSED ? undefined : s.close())));
    sockets = [];
  });
  after(() => fixture.t.close());
  return fixture;
}
