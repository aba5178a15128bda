// ORDER_STATUS_UPDATED → cancelled, with the reason in words (view: CancelledView).
import type { EmailTemplate } from '../render'

export const ORDER_CANCELLED: EmailTemplate = {
  subject: 'Order {{orderId}} cancelled',
  text: `Your order {{orderId}} ({{total}}) was cancelled because {{reason}}.
{{#mayBePaid}}

If you were charged, the money is refunded to your card; you will get an email when the refund is made.
{{/mayBePaid}}
`,
  html: `<p>Your order <strong>{{orderId}}</strong> ({{total}}) was cancelled because {{reason}}.</p>
{{#mayBePaid}}
<p>If you were charged, the money is refunded to your card; you will get an email when the refund is made.</p>
{{/mayBePaid}}
`
}
