// Renders one email from its template: the subject, a plain-text part and an HTML part, each wrapped
// in the shop's layout. Mustache: logic-less (a template only places values the typed view builders
// in views.ts computed; it cannot run code), HTML-escaped by default (`{{value}}`; this project's
// templates never use Mustache's unescaped forms, test/unit/notification-emails.test.ts checks). The plain-text
// part and the subject are not HTML, so they are rendered with an identity escape instead.
// Templates are string constants (bundled by esbuild; nothing is read from disk at run time).
import Mustache from 'mustache'
import type { EmailMessage } from '../../ports/mailer'
import { HTML_LAYOUT, TEXT_LAYOUT } from './layout'

/** One message's template: the three parts, each a Mustache template over the message's view. */
export interface EmailTemplate {
  subject: string
  text: string
  html: string
}

/** Who sends: every email is signed with the shop's name (SHOP_NAME). */
export interface Sender {
  shopName: string
}

const PLAIN = { escape: (value: unknown) => String(value) }

export function renderEmail(to: string, template: EmailTemplate, view: object, sender: Sender): EmailMessage {
  // A header: one line, whatever a value held (a name with a line break must not start a new header).
  const subject = Mustache.render(template.subject, { ...view, ...sender }, {}, PLAIN).replace(/\s+/g, ' ').trim()
  const context = { ...view, ...sender, subject }
  return {
    to,
    subject,
    text: Mustache.render(TEXT_LAYOUT, context, { content: template.text }, PLAIN),
    html: Mustache.render(HTML_LAYOUT, context, { content: template.html })
  }
}
