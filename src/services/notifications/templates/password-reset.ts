// PASSWORD_RESET_REQUESTED for an existing account: the single-use reset link (view: LinkView).
import type { EmailTemplate } from '../render'

export const PASSWORD_RESET: EmailTemplate = {
  subject: 'Reset your password',
  text: `Hello {{firstName}},

Someone (hopefully you) asked to reset the password of your {{shopName}} account. To choose a new password, open this link:
{{link}}

The link works once and expires in {{expires}}. If you did not ask for this, ignore this email: your password stays as it is.
`,
  html: `<p>Hello {{firstName}},</p>
<p>Someone (hopefully you) asked to reset the password of your {{shopName}} account.</p>
<p><a href="{{link}}" style="display:inline-block;padding:12px 20px;background:#18181b;color:#ffffff;text-decoration:none;border-radius:6px">Choose a new password</a></p>
<p style="font-size:13px;color:#52525b;word-break:break-all">Or open this link: <a href="{{link}}">{{link}}</a></p>
<p>The link works once and expires in {{expires}}. If you did not ask for this, ignore this email: your password stays as it is.</p>
`
}
