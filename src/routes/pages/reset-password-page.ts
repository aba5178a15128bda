// GET /reset-password?token=: the page the password-reset email links to. It asks for the new
// password twice and sends it with the token to POST /users/password/reset (204 on success). The
// token is single-use and short-lived: when the API refuses it (400 naming the token), the form goes
// away and the page says to ask for a new link; any other refusal (e.g. a password it does not take)
// leaves the form to try again.
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_LENGTH } from '../../services/password-hasher'
import { htmlPage, PAGE_PRELUDE } from './html-page'

const FORM = `<form id="reset-form" hidden novalidate>
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${PASSWORD_MIN_LENGTH}" aria-describedby="password-hint">
<p id="password-hint" class="hint">At least ${PASSWORD_MIN_LENGTH} characters (at most ${PASSWORD_MAX_BYTES} bytes).</p>
<label for="confirm">Repeat the new password</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="${PASSWORD_MIN_LENGTH}">
<button type="submit">Set the new password</button>
</form>`

// The form stays hidden without a token (and without JavaScript, where <noscript> explains). The
// script checks the fields itself (novalidate) so every problem is said in the status region.
// Relative URL: see verify-email-page.ts.
const SCRIPT = `${PAGE_PRELUDE}
const form = document.getElementById('reset-form');
const password = document.getElementById('password');
const confirmation = document.getElementById('confirm');
const button = form.querySelector('button');
function problemOf() {
  if ([...password.value].length < ${PASSWORD_MIN_LENGTH}) return { field: password, message: 'The new password needs at least ${PASSWORD_MIN_LENGTH} characters.' };
  if (new TextEncoder().encode(password.value).length > ${PASSWORD_MAX_BYTES}) return { field: password, message: 'The new password is too long: at most ${PASSWORD_MAX_BYTES} bytes.' };
  if (password.value !== confirmation.value) return { field: confirmation, message: 'The two passwords are not the same.' };
  return undefined;
}
async function submit(event) {
  event.preventDefault();
  password.removeAttribute('aria-invalid');
  confirmation.removeAttribute('aria-invalid');
  const problem = problemOf();
  if (problem) {
    problem.field.setAttribute('aria-invalid', 'true');
    show('error', problem.message);
    problem.field.focus();
    return;
  }
  button.disabled = true;
  show('pending', 'Setting your new password…');
  let response;
  try {
    response = await fetch('users/password/reset', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, password: password.value }) });
  } catch {
    button.disabled = false;
    show('error', UNREACHABLE);
    return;
  }
  if (response.status === 204) {
    form.reset();
    form.hidden = true;
    show('success', 'Your password has been changed. You can now log in with the new one; every other session was signed out.');
    return;
  }
  const { message, field } = await messageOf(response);
  if (response.status === 400 && field === 'token') {
    form.hidden = true;
    show('error', message + ' Ask for a new password reset email.');
    return;
  }
  button.disabled = false;
  show('error', message);
}
if (token) {
  form.hidden = false;
  form.addEventListener('submit', submit);
  password.focus();
} else {
  show('error', 'This link is incomplete: it carries no reset token. Open the link from the email again, or ask for a new password reset email.');
}
`

export const resetPasswordPage = htmlPage({ title: 'Choose a new password', body: FORM, script: SCRIPT })
