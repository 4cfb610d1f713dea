import { CSRF_FIELD, currentCsrfToken } from '../http/auth.ts'

/**
 * The hidden CSRF field every `<form method="post">` must contain; without it the post is refused (403).
 * Reads the token of the request being rendered, so views need no extra prop.
 */
export function CsrfField() {
  return <input type="hidden" name={CSRF_FIELD} value={currentCsrfToken()} />
}
