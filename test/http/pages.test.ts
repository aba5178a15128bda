// The pages that email links open (src/routes/pages.ts), as HTTP sees them: the document's structure
// (lang, <main>, labels, a live status region), the headers that lock it down (the CSP allows exactly
// the inline script and style, by hash), no request data in the page, and their OpenAPI entries.
// What they do in a browser is test/process/pages-browser.test.ts. The app is built with services that
// throw if called (test/helpers/stub-app.ts): serving a page must not touch any.
import { createHash } from 'node:crypto'
import t, { type Test } from 'tap'
import { stubApp } from '../helpers/stub-app'

const app = (t: Test) => stubApp(t)

const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`
const between = (html: string, tag: string) => {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html)
  if (!match) throw new Error(`no <${tag}> in the page`)
  return match[1] as string
}

for (const url of ['/verify-email', '/reset-password']) {
  t.test(`GET ${url}: an accessible page, locked down by its headers`, async (t) => {
    const server = await app(t)
    const res = await server.inject({ method: 'GET', url: `${url}?token=abc.def.ghi` })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
    const html = res.body
    t.match(html, /^<!doctype html>\n<html lang="en">/)
    t.match(html, /<meta charset="utf-8">/)
    t.match(html, /<title>[^<]+<\/title>/)
    t.equal(between(html, 'title'), between(html, 'h1'), 'the title is the heading')
    t.match(html, /<main>[\s\S]*<\/main>/)
    t.match(html, /<p id="status" role="status" aria-live="polite"><\/p>/, 'a status region that is announced')
    t.match(html, /<noscript>/, 'says what to do without JavaScript')

    const policy = String(res.headers['content-security-policy'])
    const directives = Object.fromEntries(policy.split('; ').map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1).join(' ')]))
    t.same(directives, {
      'default-src': "'none'",
      'script-src': hashOf(between(html, 'script')),
      'style-src': hashOf(between(html, 'style')),
      'connect-src': "'self'",
      'base-uri': "'none'",
      'form-action': "'none'",
      'frame-ancestors': "'none'"
    }, 'the CSP allows the inline script and style by their hashes, and nothing else')
    t.equal(html.match(/<script/g)?.length, 1, 'one script')
    t.equal(html.match(/<style/g)?.length, 1, 'one style')
    t.notMatch(html, /\son[a-z]+=/i, 'no inline event handler (the CSP would block it)')
    t.equal(res.headers['referrer-policy'], 'no-referrer', 'the token does not leave in a Referer')
    t.equal(res.headers['cache-control'], 'no-store')
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.equal(res.headers['x-frame-options'], 'DENY')
    t.ok(res.headers['x-correlation-id'], 'a correlation id, as on every answer')

    // The page is the same bytes whatever the request: the token is read by the script, in the browser.
    const hostile = await server.inject({ method: 'GET', url: `${url}?token=${encodeURIComponent('"><script>alert(1)</script>')}&utm_source=mail` })
    t.equal(hostile.statusCode, 200, 'extra parameters are allowed (mail clients add them)')
    t.equal(hostile.body, html, 'nothing of the request is in the page')
    t.equal((await server.inject({ method: 'GET', url })).body, html, 'without a token too (the script says the link is incomplete)')

    const tooLong = await server.inject({ method: 'GET', url: `${url}?token=${'x'.repeat(4097)}` })
    t.equal(tooLong.statusCode, 400)
    t.match(tooLong.json(), { error: 'ValidationError', requestId: String(tooLong.headers['x-correlation-id']) }, 'the house error shape')

    const document = server.swagger() as { paths: Record<string, { get?: { responses?: Record<string, { content?: Record<string, unknown> }>; parameters?: Array<{ name: string; in: string }> } }> }
    const operation = document.paths[url]?.get
    t.ok(operation?.responses?.['200']?.content?.['text/html'], 'documented as text/html')
    t.same(Object.keys(operation?.responses ?? {}).sort(), ['200', '400', '503'])
    t.ok(operation?.parameters?.some((parameter) => parameter.name === 'token' && parameter.in === 'query'), 'the token parameter is documented')
  })
}

t.test('the reset page labels its fields and asks the password manager for a new password', async (t) => {
  const html = (await (await app(t)).inject({ method: 'GET', url: '/reset-password' })).body
  for (const id of ['password', 'confirm']) {
    t.match(html, new RegExp(`<label for="${id}">[^<]+</label>\\n<input id="${id}" name="${id}" type="password" autocomplete="new-password" required`), `#${id} has a label`)
  }
  t.match(html, /<form id="reset-form" hidden novalidate>/, 'the form shows only once the script found a token')
  t.match(html, /aria-describedby="password-hint"/)
  t.match(html, /<button type="submit">/)
  t.match(between(html, 'script'), /fetch\('users\/password\/reset'/, 'calls the API relative to the page (any base path)')
})

t.test('the verify page calls the verification route relative to the page', async (t) => {
  const html = (await (await app(t)).inject({ method: 'GET', url: '/verify-email' })).body
  t.match(between(html, 'script'), /fetch\('users\/verify-email'/)
  t.notMatch(html, /<form/, 'nothing to fill in')
})
