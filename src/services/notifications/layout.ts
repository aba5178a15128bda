// The frame every email shares: the shop's name at the top, the message (the `content` partial),
// and a footer. The HTML is deliberately plain (inline styles, one column, no images or scripts):
// mail clients drop <style> blocks and external resources, and it must read well as it is.

// "-- " (with the space) is the signature separator mail clients recognise.
export const TEXT_LAYOUT = `{{> content}}

-- 
{{shopName}}
`

export const HTML_LAYOUT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{subject}}</title>
</head>
<body style="margin:0;padding:0;background:#f4f4f5;color:#18181b;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5">
<div style="max-width:600px;margin:0 auto;padding:24px;background:#ffffff">
<p style="margin:0 0 24px;font-size:20px;font-weight:bold">{{shopName}}</p>
{{> content}}
<p style="margin:32px 0 0;color:#52525b;font-size:13px">{{shopName}}</p>
</div>
</body>
</html>
`
