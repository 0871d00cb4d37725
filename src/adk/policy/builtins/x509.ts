// X.509 certificates and CSRs decoded into the JSON shape of Go's x509.Certificate /
// x509.CertificateRequest (the shape OPA's crypto.x509.* builtins return).
import { builtinError } from './builtin.ts';
import { children, derInt, derString, derTime, oidArcs, oidString, readDer, type Der } from './der.ts';

const SIG_ALGS: Record<string, number> = {
  '1.2.840.113549.1.1.2': 1,
  '1.2.840.113549.1.1.4': 2,
  '1.2.840.113549.1.1.5': 3,
  '1.2.840.113549.1.1.11': 4,
  '1.2.840.113549.1.1.12': 5,
  '1.2.840.113549.1.1.13': 6,
  '1.2.840.10040.4.3': 7,
  '2.16.840.1.101.3.4.3.2': 8,
  '1.2.840.10045.4.1': 9,
  '1.2.840.10045.4.3.2': 10,
  '1.2.840.10045.4.3.3': 11,
  '1.2.840.10045.4.3.4': 12,
  '1.3.101.112': 16,
};
const PSS_BY_HASH: Record<string, number> = { '2.16.840.1.101.3.4.2.1': 13, '2.16.840.1.101.3.4.2.2': 14, '2.16.840.1.101.3.4.2.3': 15 };
const EXT_KEY_USAGE: Record<string, number> = {
  '2.5.29.37.0': 0,
  '1.3.6.1.5.5.7.3.1': 1,
  '1.3.6.1.5.5.7.3.2': 2,
  '1.3.6.1.5.5.7.3.3': 3,
  '1.3.6.1.5.5.7.3.4': 4,
  '1.3.6.1.5.5.7.3.5': 5,
  '1.3.6.1.5.5.7.3.6': 6,
  '1.3.6.1.5.5.7.3.7': 7,
  '1.3.6.1.5.5.7.3.8': 8,
  '1.3.6.1.5.5.7.3.9': 9,
  '1.3.6.1.4.1.311.10.3.3': 10,
  '2.16.840.1.113730.4.1': 11,
  '1.3.6.1.4.1.311.2.1.22': 12,
  '1.3.6.1.4.1.311.61.1.1': 13,
};
const NAME_FIELDS: Record<string, string> = {
  '2.5.4.6': 'Country',
  '2.5.4.10': 'Organization',
  '2.5.4.11': 'OrganizationalUnit',
  '2.5.4.7': 'Locality',
  '2.5.4.8': 'Province',
  '2.5.4.9': 'StreetAddress',
  '2.5.4.17': 'PostalCode',
};

const b64 = (b: Buffer): string => b.toString('base64');

function signatureAlgorithm(algId: Der): number {
  const [oid, params] = children(algId);
  const o = oidString(oid!.content);
  if (o === '1.2.840.113549.1.1.10') {
    // RSASSA-PSS: the hash is in the parameters' first field; SHA-256 is Go's only default-less reading.
    try {
      const hashAlg = children(children(params!)[0]!)[0]!;
      return PSS_BY_HASH[oidString(children(hashAlg)[0]!.content)] ?? 0;
    } catch {
      return 0;
    }
  }
  return SIG_ALGS[o] ?? 0;
}

/** pkix.Name from an RDNSequence. */
function name(seq: Der): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Country: null, Organization: null, OrganizationalUnit: null, Locality: null, Province: null, StreetAddress: null, PostalCode: null,
    SerialNumber: '', CommonName: '', Names: [], ExtraNames: null,
  };
  const names: unknown[] = [];
  for (const rdn of children(seq)) {
    for (const atv of children(rdn)) {
      const [oid, val] = children(atv);
      const type = oidArcs(oid!.content);
      const value = derString(val!);
      names.push({ Type: type, Value: value });
      const o = type.join('.');
      if (o === '2.5.4.3') out['CommonName'] = value;
      else if (o === '2.5.4.5') out['SerialNumber'] = value;
      else if (NAME_FIELDS[o]) out[NAME_FIELDS[o]] = [...((out[NAME_FIELDS[o]] as string[] | null) ?? []), value];
    }
  }
  out['Names'] = names;
  return out;
}

/** The public key of a SubjectPublicKeyInfo, as Go marshals it, and its algorithm number. */
function publicKey(spki: Der): [number, unknown] {
  const [algId, bits] = children(spki);
  const oid = oidString(children(algId!)[0]!.content);
  const key = bits!.content.subarray(1);
  if (oid === '1.2.840.113549.1.1.1') {
    const [n, e] = children(readDer(key));
    return [1, { N: derInt(n!.content), E: Number(derInt(e!.content)) }];
  }
  if (oid === '1.2.840.10045.2.1') {
    const size = (key.length - 1) / 2;
    return [3, { Curve: {}, X: BigInt(`0x${key.subarray(1, 1 + size).toString('hex') || '0'}`), Y: BigInt(`0x${key.subarray(1 + size).toString('hex') || '0'}`) }];
  }
  if (oid === '1.3.101.112') return [4, b64(key)];
  if (oid === '1.2.840.10040.4.1') return [2, null];
  return [0, null];
}

interface GeneralNames {
  DNSNames: string[] | null;
  EmailAddresses: string[] | null;
  IPAddresses: string[] | null;
  URIs: string[];
}

function ipString(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function generalNames(seq: Der): GeneralNames {
  const out: GeneralNames = { DNSNames: null, EmailAddresses: null, IPAddresses: null, URIs: [] };
  for (const gn of children(seq)) {
    const text = gn.content.toString('latin1');
    if (gn.tag === 0x82) (out.DNSNames ??= []).push(text);
    else if (gn.tag === 0x81) (out.EmailAddresses ??= []).push(text);
    else if (gn.tag === 0x86) out.URIs.push(text);
    else if (gn.tag === 0x87) (out.IPAddresses ??= []).push(ipString(gn.content));
  }
  return out;
}

/** A URI as Go's url.URL marshals it. */
function goURL(s: string): Record<string, unknown> {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(\/\/([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?$/.exec(s);
  const u = { Scheme: '', Opaque: '', User: null, Host: '', Path: '', RawPath: '', OmitHost: false, ForceQuery: false, RawQuery: '', Fragment: '', RawFragment: '' };
  if (!m) return { ...u, Path: s };
  return { ...u, Scheme: m[1]!.toLowerCase(), Host: m[3] ?? '', Path: m[2] ? m[4]! : '', Opaque: m[2] ? '' : m[4]!, RawQuery: m[6] ?? '', Fragment: m[8] ?? '' };
}

/** One certificate from its DER encoding, as Go's JSON of x509.Certificate plus OPA's URIStrings. */
export function certificateJSON(der: Der): Record<string, unknown> {
  const [tbs, sigAlg, sig] = children(der);
  if (!tbs || !sigAlg || !sig) throw builtinError('x509: malformed certificate');
  const fields = children(tbs);
  let i = 0;
  let version = 1;
  if (fields[0]!.tag === 0xa0) {
    version = Number(derInt(children(fields[0]!)[0]!.content)) + 1;
    i++;
  }
  const serial = derInt(fields[i++]!.content);
  i++; // signature AlgorithmIdentifier (repeated outside the TBS)
  const issuer = fields[i++]!;
  const [notBefore, notAfter] = children(fields[i++]!);
  const subject = fields[i++]!;
  const spki = fields[i++]!;
  const [pkAlg, pk] = publicKey(spki);
  const cert: Record<string, unknown> = {
    Raw: b64(der.raw),
    RawTBSCertificate: b64(tbs.raw),
    RawSubjectPublicKeyInfo: b64(spki.raw),
    RawSubject: b64(subject.raw),
    RawIssuer: b64(issuer.raw),
    Signature: b64(sig.content.subarray(1)),
    SignatureAlgorithm: signatureAlgorithm(sigAlg),
    PublicKeyAlgorithm: pkAlg,
    PublicKey: pk,
    Version: version,
    SerialNumber: serial,
    Issuer: name(issuer),
    Subject: name(subject),
    NotBefore: derTime(notBefore!),
    NotAfter: derTime(notAfter!),
    KeyUsage: 0,
    Extensions: null,
    ExtraExtensions: null,
    UnhandledCriticalExtensions: null,
    ExtKeyUsage: null,
    UnknownExtKeyUsage: null,
    BasicConstraintsValid: false,
    IsCA: false,
    MaxPathLen: 0,
    MaxPathLenZero: false,
    SubjectKeyId: null,
    AuthorityKeyId: null,
    OCSPServer: null,
    IssuingCertificateURL: null,
    DNSNames: null,
    EmailAddresses: null,
    IPAddresses: null,
    URIs: null,
    PermittedDNSDomainsCritical: false,
    PermittedDNSDomains: null,
    ExcludedDNSDomains: null,
    PermittedIPRanges: null,
    ExcludedIPRanges: null,
    PermittedEmailAddresses: null,
    ExcludedEmailAddresses: null,
    PermittedURIDomains: null,
    ExcludedURIDomains: null,
    CRLDistributionPoints: null,
    PolicyIdentifiers: null,
    Policies: null,
    URIStrings: null,
  };
  const extsField = fields.slice(i).find((f) => f.tag === 0xa3);
  if (extsField) {
    const exts: unknown[] = [];
    for (const ext of children(children(extsField)[0]!)) {
      const parts = children(ext);
      const id = oidArcs(parts[0]!.content);
      const critical = parts.length === 3 && parts[1]!.content[0] !== 0;
      const value = parts[parts.length - 1]!.content;
      exts.push({ Id: id, Critical: critical, Value: b64(value) });
      applyExtension(cert, id.join('.'), value);
    }
    cert['Extensions'] = exts;
  }
  return cert;
}

function applyExtension(cert: Record<string, unknown>, oid: string, value: Buffer): void {
  const d = readDer(value);
  switch (oid) {
    case '2.5.29.15': {
      const bits = d.content.subarray(1);
      let usage = 0;
      for (let b = 0; b < 9; b++) if (bits[b >> 3]! & (0x80 >> (b & 7))) usage |= 1 << b;
      cert['KeyUsage'] = usage;
      break;
    }
    case '2.5.29.19': {
      const parts = children(d);
      cert['BasicConstraintsValid'] = true;
      cert['IsCA'] = parts[0]?.tag === 0x01 && parts[0].content[0] !== 0;
      const len = parts.find((p) => p.tag === 0x02);
      cert['MaxPathLen'] = len ? Number(derInt(len.content)) : -1;
      cert['MaxPathLenZero'] = len !== undefined && Number(derInt(len.content)) === 0;
      break;
    }
    case '2.5.29.37': {
      const known: number[] = [];
      const unknown: number[][] = [];
      for (const o of children(d)) {
        const u = EXT_KEY_USAGE[oidString(o.content)];
        if (u === undefined) unknown.push(oidArcs(o.content));
        else known.push(u);
      }
      cert['ExtKeyUsage'] = known.length ? known : null;
      cert['UnknownExtKeyUsage'] = unknown.length ? unknown : null;
      break;
    }
    case '2.5.29.14':
      cert['SubjectKeyId'] = b64(d.content);
      break;
    case '2.5.29.35': {
      const kid = children(d).find((p) => p.tag === 0x80);
      if (kid) cert['AuthorityKeyId'] = b64(kid.content);
      break;
    }
    case '2.5.29.17': {
      const g = generalNames(d);
      cert['DNSNames'] = g.DNSNames;
      cert['EmailAddresses'] = g.EmailAddresses;
      cert['IPAddresses'] = g.IPAddresses;
      if (g.URIs.length) {
        cert['URIs'] = g.URIs.map(goURL);
        cert['URIStrings'] = g.URIs;
      }
      break;
    }
    case '1.3.6.1.5.5.7.1.1':
      for (const ad of children(d)) {
        const [method, loc] = children(ad);
        if (loc?.tag !== 0x86) continue;
        const key = oidString(method!.content) === '1.3.6.1.5.5.7.48.1' ? 'OCSPServer' : oidString(method!.content) === '1.3.6.1.5.5.7.48.2' ? 'IssuingCertificateURL' : '';
        if (key) cert[key] = [...((cert[key] as string[] | null) ?? []), loc.content.toString('latin1')];
      }
      break;
    case '2.5.29.32': {
      const ids = children(d).map((pi) => oidArcs(children(pi)[0]!.content));
      cert['PolicyIdentifiers'] = ids;
      cert['Policies'] = ids.map((a) => a.join('.'));
      break;
    }
    case '2.5.29.31': {
      const urls: string[] = [];
      const walk = (x: Der): void => {
        if (x.tag === 0x86) urls.push(x.content.toString('latin1'));
        else if (x.tag & 0x20) for (const c of children(x)) walk(c);
      };
      walk(d);
      cert['CRLDistributionPoints'] = urls.length ? urls : null;
      break;
    }
    default:
  }
}

/** x509.ParseCertificates: every certificate in concatenated DER. */
export function parseCertificatesDER(buf: Buffer): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let off = 0;
  try {
    while (off < buf.length) {
      const d = readDer(buf, off);
      if (d.tag !== 0x30) throw builtinError('x509: malformed certificate');
      out.push(certificateJSON(d));
      off += d.raw.length;
    }
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('x509:')) throw e;
    throw builtinError('x509: malformed certificate');
  }
  return out;
}

/** x509.ParseCertificateRequest, as Go's JSON of x509.CertificateRequest. */
export function certificateRequestJSON(buf: Buffer): Record<string, unknown> {
  try {
    const der = readDer(buf, 0, 'asn1: structure error');
    const [info, sigAlg, sig] = children(der, 'asn1: structure error');
    const [version, subject, spki] = children(info!, 'asn1: structure error');
    const [pkAlg, pk] = publicKey(spki!);
    const out: Record<string, unknown> = {
      Raw: b64(der.raw),
      RawTBSCertificateRequest: b64(info!.raw),
      RawSubjectPublicKeyInfo: b64(spki!.raw),
      RawSubject: b64(subject!.raw),
      Version: Number(derInt(version!.content)),
      Signature: b64(sig!.content.subarray(1)),
      SignatureAlgorithm: signatureAlgorithm(sigAlg!),
      PublicKeyAlgorithm: pkAlg,
      PublicKey: pk,
      Subject: name(subject!),
      Attributes: null,
      Extensions: null,
      ExtraExtensions: null,
      DNSNames: null,
      EmailAddresses: null,
      IPAddresses: null,
      URIs: null,
    };
    return out;
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('asn1:')) throw e;
    throw builtinError('asn1: structure error: tags don\'t match');
  }
}
