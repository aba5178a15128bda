// The pages that email links open: GET /verify-email and GET /reset-password (the links are
// PUBLIC_BASE_URL + path + `?token=`). Each is one static HTML document (src/routes/pages/) whose own
// script reads the token from the address and calls the API from the browser; the server never puts
// request data into the page, so it is the same bytes for every request.
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorRef } from '../schemas/common'
import type { Page } from './pages/html-page'
import { resetPasswordPage } from './pages/reset-password-page'
import { verifyEmailPage } from './pages/verify-email-page'

// Not strict: a link may gain tracking parameters on its way through a mail client.
const PageQuery = Type.Object({
  token: Type.Optional(Type.String({ maxLength: 4096, description: 'The token from the email; read by the page itself, in the browser.' }))
})

const HtmlPage = { description: 'The HTML page (with a strict Content-Security-Policy).', content: { 'text/html': { schema: Type.String() } } }

const PAGES: Array<{ url: string; summary: string; description: string; page: Page }> = [
  {
    url: '/verify-email',
    summary: 'Page: verify an email address',
    description: 'Opened from the verification email. Sends the token to POST /users/verify-email and shows the outcome.',
    page: verifyEmailPage
  },
  {
    url: '/reset-password',
    summary: 'Page: choose a new password',
    description: 'Opened from the password reset email. Asks for the new password and sends it with the token to POST /users/password/reset.',
    page: resetPasswordPage
  }
]

export const pagesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  for (const { url, summary, description, page } of PAGES) {
    app.get(
      url,
      {
        config: { auth: 'public' },
        schema: { tags: ['pages'], summary, description, querystring: PageQuery, response: { 200: HtmlPage, 400: ErrorRef } }
      },
      async (_request, reply) => reply.headers(page.headers).send(page.html)
    )
  }
}
