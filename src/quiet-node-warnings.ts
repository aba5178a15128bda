// Imported first by every entry point (src/server.ts, src/lambda.ts, src/workers/<name>.ts) to keep
// the start output clean on Node 20: the AWS SDK v3 prints an 8-line NodeVersionSupportWarning (newer
// SDK releases will require Node 22) when its first client is created. The versions in
// package-lock.json run on Node 20 (README, "Node versions"), so the reminder says nothing actionable
// on every start. The SDK's own switch (read by @aws-sdk/core's emitWarningIfUnsupportedVersion)
// turns off exactly that warning and no other; an explicit value in the environment is respected,
// so AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false brings it back.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

export {}
