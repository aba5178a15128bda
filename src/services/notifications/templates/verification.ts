// USER_CREATED: confirm the email address (view: LinkView).
import type { EmailTemplate } from '../render'

export const VERIFICATION: EmailTemplate = {
  subject: 'Verify your email address',
  text: `Hello {{firstName}},

Please confirm your email address by opening this link:
{{link}}

The link expires in {{expires}}. If you did not create an account at {{shopName}}, ignore this email.
`,
  html: `<p>Hello {{firstName}},</p>
<p>Please confirm your email address:</p>
<p><a href="{{link}}" style="display:inline-block;padding:12px 20px;background:#18181b;color:#ffffff;text-decoration:none;border-radius:6px">Verify my email address</a></p>
<p style="font-size:13px;color:#52525b;word-break:break-all">Or open this link: <a href="{{link}}">{{link}}</a></p>
<p>The link expires in {{expires}}. If you did not create an account at {{shopName}}, ignore this email.</p>
`
}
