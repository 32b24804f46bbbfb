/** Node's certificate checks that fail because the agent does not trust who signed the hub's certificate. */
const UNTRUSTED_CERT = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'CERT_CHAIN_TOO_LONG',
  'PATH_LENGTH_EXCEEDED',
  'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_REVOKED',
]);
const EXPIRED_CERT = new Set(['CERT_HAS_EXPIRED', 'ERROR_IN_CERT_NOT_AFTER_FIELD']);
const FUTURE_CERT = new Set(['CERT_NOT_YET_VALID', 'ERROR_IN_CERT_NOT_BEFORE_FIELD']);
const OTHER_NAME_CERT = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
/** What OpenSSL says when the other side of an https:// URL does not speak TLS (a plain-HTTP port). */
const NOT_TLS = /wrong version number|packet length too long/i;

const CA_FIX = 'give the agent your CA with NODE_EXTRA_CA_CERTS=/path/ca.pem';

/**
 * What an operator should read for a TLS failure (the hub's certificate, or no TLS at all on that
 * port), with the fix; null when the failure is not about TLS. Certificate checks are never turned
 * off: the fixes are a certificate the agent trusts on the hub, or the hub's CA given to the agent.
 */
export function tlsProblem(error: unknown): string | null {
  if (!error || typeof error !== 'object') return null;
  const failure = error as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = [failure.code, failure.cause?.code].find((c): c is string => typeof c === 'string') ?? '';
  if (!code) return null;
  const reason = [failure.cause?.message, failure.message].find((m): m is string => typeof m === 'string')?.trim() ?? '';
  const said = reason && reason !== code ? `${reason}, ${code}` : code;
  if (code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') {
    return `the hub's TLS certificate cannot be verified (${said}): if it is from a public CA, make the hub send its intermediate certificates too (the full chain); if it is from your own CA, ${CA_FIX}`;
  }
  if (UNTRUSTED_CERT.has(code)) return `the hub's TLS certificate is not trusted (${said}): install a certificate from a public CA on the hub, or ${CA_FIX}`;
  if (EXPIRED_CERT.has(code)) {
    return `the hub's TLS certificate has expired (${said}): renew it on the hub; if it should still be valid, check this computer's date and time`;
  }
  if (FUTURE_CERT.has(code)) return `the hub's TLS certificate is not valid yet (${said}): check this computer's date and time`;
  if (OTHER_NAME_CERT.has(code)) {
    return `the hub's TLS certificate is for another name (${said}): put a name the certificate lists in hub.url, or install a certificate for this name on the hub`;
  }
  const notTls = NOT_TLS.exec(reason);
  if (notTls && (code === 'EPROTO' || code.startsWith('ERR_SSL_'))) {
    return `the hub did not answer in TLS (${notTls[0]}, ${code}): hub.url says https:// but that port speaks plain HTTP; use the hub's https:// address (its TLS proxy)`;
  }
  return null;
}
