// Request and response schemas of the users routes.
import { Type, type Static } from '@sinclair/typebox'
import { ROLES } from '../domain/user'
import { literalUnion } from './literal-union'

export const UserSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String({ format: 'email' }),
    firstName: Type.String(),
    lastName: Type.String(),
    roles: Type.Array(literalUnion(ROLES)),
    emailVerified: Type.Boolean(),
    createdAt: Type.String({ format: 'date-time' })
  },
  { $id: 'User' }
)

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })

// Surrounding spaces are allowed (the service trims and lower-cases); the rest must look like an email.
const EmailInput = Type.String({ maxLength: 254, pattern: '^\\s*[^\\s@]+@[^\\s@]+\\.[^\\s@]+\\s*$', description: 'An email address' })

export const RegisterBody = Type.Object({
  email: EmailInput,
  // Length in bytes (8–72 in UTF-8) is checked by the service; this bound only caps the body.
  password: Type.String({ minLength: 8, maxLength: 512, description: '8 characters to 72 bytes in UTF-8' }),
  firstName: Name,
  lastName: Name
}, { additionalProperties: false })
export type RegisterBody = Static<typeof RegisterBody>

export const LoginBody = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 254 }),
  password: Type.String({ minLength: 1, maxLength: 512 })
}, { additionalProperties: false })
export type LoginBody = Static<typeof LoginBody>

export const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false })
export const LogoutBody = Type.Object({
  refreshToken: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'Revoke only this session; omit to revoke all.' }))
}, { additionalProperties: false, description: 'Optional: no body (or an empty one) revokes every session of the caller.' })
export const VerifyEmailBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false })

export const UserResponse = Type.Object({ user: Type.Ref(UserSchema) })

export const TokensResponse = Type.Object({
  token: Type.String({ description: 'Access token (Bearer).' }),
  refreshToken: Type.String(),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires.' }),
  user: Type.Ref(UserSchema)
})

export const UserIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

// Length in bytes (8–72 in UTF-8) is checked by the service; this bound only caps the body.
const NewPassword = Type.String({ minLength: 8, maxLength: 512, description: '8 characters to 72 bytes in UTF-8' })
const LinkToken = Type.String({ minLength: 1, maxLength: 4096, description: 'The token of the link in the email.' })

export const ForgotPasswordBody = Type.Object({ email: EmailInput }, { additionalProperties: false })
export const ResetPasswordBody = Type.Object({ token: LinkToken, password: NewPassword }, { additionalProperties: false })
export const ChangePasswordBody = Type.Object({
  currentPassword: Type.String({ minLength: 1, maxLength: 512 }),
  newPassword: NewPassword
}, { additionalProperties: false })
export const UpdateProfileBody = Type.Object(
  { firstName: Type.Optional(Name), lastName: Type.Optional(Name) },
  { additionalProperties: false, minProperties: 1, description: 'At least one of the names.' }
)

/** The answer of a request whose work happens later (an email); the same whatever the outcome. */
export const AcceptedResponse = Type.Object({ message: Type.String() })
