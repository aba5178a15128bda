// ORDER_STATUS_UPDATED → shipped: carrier and tracking (view: ShippedView).
import type { EmailTemplate } from '../render'

export const ORDER_SHIPPED: EmailTemplate = {
  subject: 'Order {{orderId}} shipped',
  text: `Good news: your order {{orderId}} is on its way.
{{#carrier}}

Carrier: {{carrier}}
Tracking number: {{trackingNumber}}
{{/carrier}}
{{#trackingUrl}}
Track it here: {{trackingUrl}}
{{/trackingUrl}}
`,
  html: `<p>Good news: your order <strong>{{orderId}}</strong> is on its way.</p>
{{#carrier}}
<p>Carrier: {{carrier}}<br>Tracking number: {{trackingNumber}}</p>
{{/carrier}}
{{#trackingUrl}}
<p><a href="{{trackingUrl}}">Track your parcel</a></p>
{{/trackingUrl}}
`
}
