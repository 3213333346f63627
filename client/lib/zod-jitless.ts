import { z } from 'zod';

// zod probes `new Function('')` to compile fast parsers; under our Content-Security-Policy
// (script-src 'self', no 'unsafe-eval') that probe is a CSP violation on every page load. Parsing
// without the compiled path is fast enough for the payloads the client checks.
z.config({ jitless: true });
