// ORDER_STATUS_UPDATED → delivered (view: { orderId }).
import type { EmailTemplate } from '../render'

export const ORDER_DELIVERED: EmailTemplate = {
  subject: 'Order {{orderId}} delivered',
  text: `Your order {{orderId}} has been delivered. We hope you enjoy it!

If anything is wrong with it, reply to this email.
`,
  html: `<p>Your order <strong>{{orderId}}</strong> has been delivered. We hope you enjoy it!</p>
<p>If anything is wrong with it, reply to this email.</p>
`
}
