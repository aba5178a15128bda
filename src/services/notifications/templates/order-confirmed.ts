// ORDER_STATUS_UPDATED → confirmed: what was bought, what it cost, where it goes (view: OrderView).
import type { EmailTemplate } from '../render'

export const ORDER_CONFIRMED: EmailTemplate = {
  subject: 'Order {{orderId}} confirmed',
  text: `Thank you! Your order {{orderId}} is confirmed and will ship soon.

{{#lines}}
{{name}} × {{quantity}}  {{lineTotal}}
{{/lines}}

Subtotal: {{subtotal}}
Total: {{total}}

Shipping to:
{{address.street}}
{{address.postalCode}} {{address.city}}
{{address.country}}
`,
  html: `<p>Thank you! Your order <strong>{{orderId}}</strong> is confirmed and will ship soon.</p>
<table role="presentation" style="width:100%;border-collapse:collapse">
{{#lines}}
<tr><td style="padding:4px 0">{{name}} × {{quantity}}</td><td style="padding:4px 0;text-align:right">{{lineTotal}}</td></tr>
{{/lines}}
<tr><td style="padding:8px 0 0;border-top:1px solid #e4e4e7">Subtotal</td><td style="padding:8px 0 0;border-top:1px solid #e4e4e7;text-align:right">{{subtotal}}</td></tr>
<tr><td style="padding:4px 0;font-weight:bold">Total</td><td style="padding:4px 0;text-align:right;font-weight:bold">{{total}}</td></tr>
</table>
<p>Shipping to:<br>{{address.street}}<br>{{address.postalCode}} {{address.city}}<br>{{address.country}}</p>
`
}
