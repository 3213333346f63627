import packagedChromium from '@sparticuz/chromium';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type ConsoleMessage,
  type Page,
  type Request,
  type Response,
} from 'playwright-core';

/** Chromium flags for a headless machine with no GPU and no network beyond localhost. */
export const CHROMIUM_ARGS = [
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/**
 * Starts the Chromium that ships in the `@sparticuz/chromium` npm package (unpacked into the temp
 * folder on first use), so the browser tests need nothing but `npm ci`; `CHROMIUM_PATH` points them
 * at another Chromium instead.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? (await packagedChromium.executablePath());
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

/** A response the test provokes to fail on purpose, such as the 401 of a wrong password. */
export interface ExpectedFailure {
  method: string;
  /** The path of the URL, without query. */
  path: string;
  status: number;
}

export interface GuardedPage {
  context: BrowserContext;
  page: Page;
  /** Everything that went wrong in the page so far: console errors, page errors, failed or foreign requests. */
  problems: string[];
  /**
   * While true, failed connections to the socket (and the browser's console lines about them) are
   * expected: the test has stopped the server or taken the network away on purpose. So are the
   * network errors (no response at all, never an HTTP error status) of other requests to the
   * local server, such as the app's "who am I?" when it starts offline.
   */
  outage: boolean;
  /**
   * Another tab in the same context (the same device and cookies), guarded like the first: its
   * problems join the same list, and the same outage excuses its lost connections.
   */
  openTab(label: string): Promise<Page>;
  /** Throws with every problem recorded, so a test fails on an error it did not look for. */
  assertClean(): void;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Chromium's names for "no answer at all", expected only during a deliberate outage. */
const NETWORK_ERRORS = new Set([
  'net::ERR_INTERNET_DISCONNECTED',
  'net::ERR_CONNECTION_REFUSED',
  'net::ERR_CONNECTION_RESET',
  'net::ERR_EMPTY_RESPONSE',
  'net::ERR_FAILED',
]);

/**
 * A new browser context (its own cookies: one per role) with a page whose console errors, uncaught
 * errors, failed requests, unexpected error responses and any request to a non-local host are
 * recorded as problems.
 */
export async function openGuardedPage(
  browser: Browser,
  options: {
    label: string;
    viewport?: { width: number; height: number };
    expectedFailures?: readonly ExpectedFailure[];
    /** More context options, such as a fixed geolocation and its permission. */
    context?: BrowserContextOptions;
  },
): Promise<GuardedPage> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 }, locale: 'en-GB', ...options.context });
  const problems: string[] = [];
  const expected = options.expectedFailures ?? [];
  const guard = { outage: false };
  const page = await guardPage(await context.newPage(), options.label, problems, expected, guard);

  return {
    context,
    page,
    problems,
    get outage() {
      return guard.outage;
    },
    set outage(value: boolean) {
      guard.outage = value;
    },
    async openTab(label: string) {
      return guardPage(await context.newPage(), label, problems, expected, guard);
    },
    assertClean() {
      if (problems.length > 0) throw new Error(`browser problems:\n${problems.join('\n')}`);
    },
  };
}

/** Records the page's problems under its label, with the outage and expected failures of its context. */
async function guardPage(page: Page, label: string, problems: string[], expected: readonly ExpectedFailure[], guard: { outage: boolean }): Promise<Page> {
  const isSocket = (url: string) => new URL(url).pathname.startsWith('/socket.io/');

  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error') return;
    // Chromium logs every 4xx/5xx response as a console error; responses are judged below, where
    // the test can say which failures it expects.
    if (message.text().startsWith('Failed to load resource')) return;
    if (guard.outage && /WebSocket connection to .*\/socket\.io\//.test(message.text())) return;
    problems.push(`[${label}] console error: ${message.text()}`);
  });
  page.on('pageerror', (error: Error) => problems.push(`[${label}] page error: ${error.stack ?? error.message}`));
  // Every Content-Security-Policy violation is a problem (Chromium also logs most as console
  // errors, but not those of workers or report-only cases): the map must work under the policy.
  await page.exposeFunction('__waymarkCspViolation', (text: string) => problems.push(`[${label}] CSP violation: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __waymarkCspViolation: (text: string) => void }).__waymarkCspViolation;
      void report(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page.on('request', (request: Request) => {
    const url = new URL(request.url());
    if ((url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ws:' || url.protocol === 'wss:') && !LOCAL_HOSTS.has(url.hostname)) {
      problems.push(`[${label}] request to a non-local host: ${request.url()}`);
    }
  });
  page.on('requestfailed', (request: Request) => {
    const failure = request.failure()?.errorText ?? 'failed';
    // Socket.IO's long-polling requests are aborted on purpose when the transport upgrades or the
    // page closes; those are not errors.
    if (failure === 'net::ERR_ABORTED' && isSocket(request.url())) return;
    // A font the page stopped wanting (the print preview of the situation report re-lays the page
    // while one loads) is cancelled by the browser, not failed by the server: seen once in ~10 runs.
    if (failure === 'net::ERR_ABORTED' && request.resourceType() === 'font') return;
    if (guard.outage && isSocket(request.url())) return;
    if (guard.outage && NETWORK_ERRORS.has(failure) && LOCAL_HOSTS.has(new URL(request.url()).hostname)) return;
    problems.push(`[${label}] request failed: ${request.method()} ${request.url()} ${failure}`);
  });
  page.on('response', (response: Response) => {
    if (response.status() < 400) return;
    if (guard.outage && isSocket(response.url())) return;
    const request = response.request();
    const path = new URL(response.url()).pathname;
    const allowed = expected.some((e) => e.method === request.method() && e.path === path && e.status === response.status());
    if (!allowed) problems.push(`[${label}] HTTP ${response.status()}: ${request.method()} ${response.url()}`);
  });
  return page;
}
