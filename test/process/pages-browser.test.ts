// The pages that email links open, in a real headless browser (Debian's Chromium driven by
// playwright-core), against the local server as `npm start` runs it (src/server.ts, PORT=0): the links
// in the local mailbox must point at the port it really took (PUBLIC_BASE_URL follows PORT), the
// verification page verifies, the reset page sets a new password (the old one then fails, the new one
// works), and a used reset link says so. No CSP violation or script error may show in the console.
// Skips, saying why, when Chromium is not installed (`.ci/run` installs it; locally:
// `apt-get install chromium`). Loopback only.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { httpClient, startServer, waitUntil, type ServerProcess } from '../helpers/server-process'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const PASSWORD = 'correct horse battery'
const NEW_PASSWORD = 'a brand new horse'
const WAIT_MS = 20_000

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}: install Debian's chromium package (or set CHROMIUM_PATH) to run it`

t.test('the pages that email links open work in a real browser', { skip }, async (t) => {
  const server = await startServer({ BCRYPT_COST: '4' })
  t.teardown(() => server.stop())
  const browser = await launchChromium(t)
  const api = httpClient(() => server.url)
  const email = `pages-${process.pid}-${Date.now()}@example.com`

  t.test('the verification link opens a page that verifies the address', async (t) => {
    const registered = await api('POST', '/users/register', { body: { email, password: PASSWORD, firstName: 'Ada', lastName: 'Lovelace' } })
    t.equal(registered.status, 201, 'registered')
    const link = await linkInMailbox(server, email, '/verify-email')
    t.ok(link.startsWith(`${server.url}/verify-email?token=`), `the link points at the port the server took (${link.slice(0, 60)}…)`)

    const page = await openPage(t, browser, link)
    t.equal(await page.getAttribute('html', 'lang'), 'en')
    t.equal(await page.locator('main h1').textContent(), 'Verify your email address')
    const status = page.getByRole('status')
    await waitForState(page, 'success')
    t.match(await status.textContent(), /Your email address is verified/)
    t.equal(new URL(page.url()).search, '', 'the token is taken out of the address')
    const me = await api('POST', '/users/login', { body: { email, password: PASSWORD } })
    t.equal((me.body.user as { emailVerified?: boolean } | undefined)?.emailVerified, true, 'the account is verified')
    page.quiet()
  })

  t.test('a link without its token says it is incomplete', async (t) => {
    const page = await openPage(t, browser, `${server.url}/reset-password`)
    await waitForState(page, 'error')
    t.match(await page.getByRole('status').textContent(), /This link is incomplete/)
    t.equal(await page.locator('#reset-form').isVisible(), false, 'no form to fill in')
    page.quiet()
  })

  t.test('the reset link opens a page that sets a new password, once', async (t) => {
    const forgot = await api('POST', '/users/password/forgot', { body: { email } })
    t.equal(forgot.status, 202, 'a reset was asked for')
    const link = await linkInMailbox(server, email, '/reset-password')
    t.ok(link.startsWith(`${server.url}/reset-password?token=`), 'the reset link points at the server')

    const page = await openPage(t, browser, link)
    t.equal(await page.locator('main h1').textContent(), 'Choose a new password')
    // The fields are found by their labels, as a screen reader announces them.
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD)
    await page.getByLabel('Repeat the new password').fill(`${NEW_PASSWORD} typo`)
    await page.getByRole('button', { name: 'Set the new password' }).click()
    await waitForState(page, 'error')
    t.match(await page.getByRole('status').textContent(), /not the same/, 'a mismatch is said before anything is sent')
    t.equal(await page.getByLabel('Repeat the new password').getAttribute('aria-invalid'), 'true')

    await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD)
    await page.getByRole('button', { name: 'Set the new password' }).click()
    await waitForState(page, 'success')
    t.match(await page.getByRole('status').textContent(), /Your password has been changed/)
    t.equal(await page.locator('#reset-form').isVisible(), false, 'the form is gone')
    page.quiet()

    t.equal((await api('POST', '/users/login', { body: { email, password: PASSWORD } })).status, 401, 'the old password fails')
    t.equal((await api('POST', '/users/login', { body: { email, password: NEW_PASSWORD } })).status, 200, 'the new password works')

    const again = await openPage(t, browser, link)
    await again.getByLabel('New password', { exact: true }).fill('yet another horse')
    await again.getByLabel('Repeat the new password').fill('yet another horse')
    await again.getByRole('button', { name: 'Set the new password' }).click()
    await waitForState(again, 'error')
    const said = (await again.getByRole('status').textContent()) ?? ''
    t.match(said, /link|token/i, `a used link says so: "${said}"`)
    t.match(said, /Ask for a new password reset email/, 'and what to do')
    t.equal(await again.locator('#reset-form').isVisible(), false, 'no form to try again with a dead link')
    again.quiet()
    t.equal((await api('POST', '/users/login', { body: { email, password: 'yet another horse' } })).status, 401, 'the used link changed nothing')
  })
})

/** Chromium with a fresh profile and nothing that talks to the network by itself; closed at the end. */
async function launchChromium(t: Test): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'pages-browser-'))
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  t.teardown(async () => {
    await browser.close()
    rmSync(profile, { recursive: true, force: true })
  })
  return browser
}

/** A new tab on `url`, closed at the end of the test; `quiet()` asserts no console error (a CSP violation is one) nor page error so far. */
async function openPage(t: Test, browser: BrowserContext, url: string): Promise<Page & { quiet(): void }> {
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  t.teardown(() => page.close())
  await page.goto(url)
  return Object.assign(page, {
    quiet() {
      // A refused API call is logged by Chromium as a console error: expected where the page shows one.
      const unexpected = problems.filter((problem) => !/Failed to load resource: the server responded with a status of 400/.test(problem))
      t.same(unexpected, [], `no console error or page error on ${new URL(url).pathname}`)
    }
  })
}

async function waitForState(page: Page, state: 'success' | 'error'): Promise<void> {
  await page.waitForSelector(`#status[data-state="${state}"]`, { timeout: WAIT_MS })
}

/** The newest link to `path` in an email to `email` in the local mailbox (the emails are asynchronous). */
async function linkInMailbox(server: ServerProcess, email: string, path: string): Promise<string> {
  const api = httpClient(() => server.url)
  const pattern = new RegExp(`https?://\\S+${path}\\?token=[^\\s"<>]+`)
  let link: string | undefined
  const found = await waitUntil(async () => {
    const { body } = await api('GET', '/_local/mailbox')
    const messages = (body.messages ?? []) as Array<{ to: string; text: string }>
    link = messages.filter((message) => message.to === email).map((message) => pattern.exec(message.text)?.[0]).filter(Boolean).at(-1)
    return link !== undefined
  }, WAIT_MS, 250)
  if (!found || !link) throw new Error(`no email to ${email} with a ${path} link within ${WAIT_MS} ms`)
  return link
}
