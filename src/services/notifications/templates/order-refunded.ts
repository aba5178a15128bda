// PAYMENT_REFUNDED: the amount given back, in its currency (view: RefundedView).
import type { EmailTemplate } from '../render'

export const ORDER_REFUNDED: EmailTemplate = {
  subject: 'Refund for order {{orderId}}',
  text: `We refunded {{amount}} for your order {{orderId}}.
{{#partial}}
So far {{refunded}} of the {{paid}} you paid has been refunded.
{{/partial}}

It may take a few days to appear on your statement, depending on your bank.
`,
  html: `<p>We refunded <strong>{{amount}}</strong> for your order <strong>{{orderId}}</strong>.</p>
{{#partial}}
<p>So far {{refunded}} of the {{paid}} you paid has been refunded.</p>
{{/partial}}
<p>It may take a few days to appear on your statement, depending on your bank.</p>
`
}
