// The frame of the small HTML pages that email links open (src/routes/pages.ts): one document with a
// <main>, a status region that screen readers announce, one inline stylesheet and one inline script,
// and the headers that lock it down. The script and style are allowed by their SHA-256 hashes in the
// Content-Security-Policy, so nothing else can run or style the page, not even injected markup; the
// pages put no request data in the HTML (the script reads the token from the address itself).
import { createHash } from 'node:crypto'

export interface PageSpec {
  /** The document's <title> and its <h1>. */
  title: string
  /** Markup between the heading and the status region (static: never request data). */
  body: string
  /** The page's behaviour, plain browser JavaScript (no framework, no build step). */
  script: string
}

export interface Page {
  html: string
  headers: Record<string, string>
}

const STYLE = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0; padding: 2rem 1rem; }
main { max-width: 28rem; margin: 0 auto; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input { display: block; width: 100%; box-sizing: border-box; padding: 0.5rem; font: inherit; }
button { margin-top: 1.5rem; padding: 0.5rem 1.25rem; font: inherit; cursor: pointer; }
.hint { margin: 0.25rem 0 0; font-size: 0.9rem; }
[data-state="success"] { color: #1a7f37; font-weight: 600; }
[data-state="error"] { color: #c62828; font-weight: 600; }
@media (prefers-color-scheme: dark) { [data-state="success"] { color: #4ac26b; } [data-state="error"] { color: #ff8a80; } }
`

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

/**
 * The document and its headers. The policy allows the page's own script and style (by hash) and
 * requests to its own origin (the API), nothing else: no other source, no plugin, no <base>, no form
 * submission (the script sends the request, so a password can never end up in a URL), no framing.
 */
export function htmlPage(spec: PageSpec): Page {
  const policy = [
    "default-src 'none'",
    `script-src ${sha256(spec.script)}`,
    `style-src ${sha256(STYLE)}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'"
  ].join('; ')
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${spec.title}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${spec.title}</h1>
${spec.body}
<p id="status" role="status" aria-live="polite"></p>
<noscript><p>This page needs JavaScript to talk to the shop. Please turn it on and open the link again.</p></noscript>
</main>
<script>${spec.script}</script>
</body>
</html>
`
  return {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': policy,
      // The token is in the address: it must not leave in a Referer header, nor stay in a cache.
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY'
    }
  }
}

/**
 * Browser code every page starts with: `token` from the address, then taken out of it (history,
 * bookmarks and screenshots do not keep it; the page keeps it in memory for a retry), and `show`,
 * which updates the status region (`data-state` pending | success | error).
 */
export const PAGE_PRELUDE = `'use strict';
const statusRegion = document.getElementById('status');
function show(state, text) {
  statusRegion.dataset.state = state;
  statusRegion.textContent = text;
}
const token = new URLSearchParams(location.search).get('token');
if (location.search) history.replaceState(null, '', location.pathname);
/** The message of an error answer in the API's shape (or one that names the status), and its field. */
async function messageOf(response) {
  const body = await response.json().catch(() => null);
  const message = body && typeof body.message === 'string' ? body.message : 'The shop answered with an error (HTTP ' + response.status + ').';
  return { message: response.status >= 500 ? message + ' Please try again in a moment.' : message, field: body && body.field };
}
const UNREACHABLE = 'The shop could not be reached. Check your connection and try again.';
`
