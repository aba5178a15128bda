// GET /verify-email?token=: the page the verification email links to. It sends the token to
// POST /users/verify-email as soon as it opens and says how that went. Verifying is idempotent, so
// opening the link again says verified again; an invalid or expired link says so, with what to do.
import { htmlPage, PAGE_PRELUDE } from './html-page'

// Relative URL: resolved against the page's own address, so it reaches the API under any base path
// (e.g. an API Gateway stage) that PUBLIC_BASE_URL has.
const SCRIPT = `${PAGE_PRELUDE}
async function verify() {
  if (!token) {
    show('error', 'This link is incomplete: it carries no verification token. Open the link from the email again, or copy all of it into the address bar.');
    return;
  }
  show('pending', 'Verifying your email address…');
  let response;
  try {
    response = await fetch('users/verify-email', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  } catch {
    show('error', UNREACHABLE);
    return;
  }
  if (response.ok) {
    show('success', 'Your email address is verified. You can now log in and place orders.');
    return;
  }
  const { message } = await messageOf(response);
  show('error', response.status === 400 ? message + ' Log in and ask for a new verification email.' : message);
}
verify();
`

export const verifyEmailPage = htmlPage({ title: 'Verify your email address', body: '', script: SCRIPT })
