/**
 * A loopback stand-in for AWS STS's AssumeRole, enough for the download function's staging into
 * another environment to run unchanged against the embedded stack: the SDK reaches it through
 * AWS_ENDPOINT_URL_STS and speaks the real protocol (Query API: a form-encoded POST with
 * `Action=AssumeRole&Version=2011-06-15`, answered in XML, errors in STS's `ErrorResponse` shape).
 *
 * What it enforces, as the trust policy of the role would: the role must be one it was given, the
 * external id must match the role's, the duration must be 900..3600 s and the session name what STS
 * accepts. Each credential it issues is registered with the embedded S3 server (s3rver's account
 * registry), as AWS recognises the keys STS issues, under an account of its own. Every call is
 * recorded (role, session, external id, duration, the access key that signed it and the one
 * issued), so a test can show which credentials a request used. Signatures are not verified.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

export interface LocalRole {
  readonly roleArn: string;
  readonly externalId?: string;
}

export interface AssumeRoleCall {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly externalId: string | null;
  readonly durationSeconds: number;
  /** The access key id that signed the call (the caller's own credentials). */
  readonly callerAccessKeyId: string | null;
  /** The access key id issued, or null when the call was refused. */
  readonly issuedAccessKeyId: string | null;
  readonly error?: string;
}

interface S3rverAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
}
type S3rverAccountClass = new (id: number, displayName: string) => S3rverAccount;

const MAX_BODY_BYTES = 64 * 1024;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class LocalSts {
  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    /** Every AssumeRole call, in order, refused ones included. */
    readonly calls: AssumeRoleCall[],
  ) {}

  static async start(roles: readonly LocalRole[]): Promise<LocalSts> {
    const known = new Map(roles.map((r) => [r.roleArn, r]));
    // s3rver is CommonJS; its account registry is the one its authentication reads.
    const AWSAccount = createRequire(import.meta.url)('s3rver/lib/models/account') as S3rverAccountClass;
    const accounts = new Map<string, S3rverAccount>();
    const calls: AssumeRoleCall[] = [];
    const server = createServer((request, response) => {
      const reply = (status: number, xml: string) => {
        response.writeHead(status, { 'content-type': 'text/xml' });
        response.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
      };
      const refuse = (status: number, code: string, message: string) =>
        reply(
          status,
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
        );
      bodyOf(request)
        .then((body) => {
          const form = new URLSearchParams(body);
          if (request.method !== 'POST' || form.get('Action') !== 'AssumeRole')
            return refuse(400, 'InvalidAction', `only AssumeRole is served, not ${form.get('Action')}`);
          const roleArn = form.get('RoleArn') ?? '';
          const sessionName = form.get('RoleSessionName') ?? '';
          const externalId = form.get('ExternalId');
          const durationSeconds = Number(form.get('DurationSeconds') ?? '3600');
          const signer = /Credential=([^/,\s]+)\//.exec(request.headers.authorization ?? '');
          const call = {
            roleArn,
            sessionName,
            externalId,
            durationSeconds,
            callerAccessKeyId: signer?.[1] ?? null,
          };
          const role = known.get(roleArn);
          const denied = !role
            ? `no role ${roleArn}`
            : (role.externalId ?? null) !== externalId
              ? `the external id does not match the trust policy of ${roleArn}`
              : undefined;
          const invalid = !SESSION_NAME.test(sessionName)
            ? `RoleSessionName '${sessionName}' is not 2-64 of [\\w+=,.@-]`
            : !Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 3600
              ? `DurationSeconds ${durationSeconds} is not within 900..3600`
              : undefined;
          if (denied || invalid) {
            calls.push({ ...call, issuedAccessKeyId: null, error: denied ?? invalid! });
            return denied
              ? refuse(403, 'AccessDenied', `not authorized to perform sts:AssumeRole: ${denied}`)
              : refuse(400, 'ValidationError', invalid!);
          }
          const accountId = /:iam::(\d{12}):/.exec(roleArn)![1]!;
          let account = accounts.get(accountId);
          if (!account) {
            account = new AWSAccount(Number(accountId), `local account ${accountId}`);
            accounts.set(accountId, account);
          }
          const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
          const secret = randomBytes(30).toString('base64');
          account.createKeyPair(accessKeyId, secret);
          calls.push({ ...call, issuedAccessKeyId: accessKeyId });
          const expiration = new Date(Date.now() + durationSeconds * 1000).toISOString();
          const roleName = roleArn.slice(roleArn.indexOf(':role/') + 6);
          return reply(
            200,
            `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>AROA${randomBytes(8).toString('hex').toUpperCase()}:${xmlEscape(sessionName)}</AssumedRoleId><Arn>arn:aws:sts::${accountId}:assumed-role/${xmlEscape(roleName)}/${xmlEscape(sessionName)}</Arn></AssumedRoleUser><Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${xmlEscape(secret)}</SecretAccessKey><SessionToken>${randomBytes(48).toString('base64')}</SessionToken><Expiration>${expiration}</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
          );
        })
        .catch((error: unknown) => refuse(400, 'MalformedInput', (error as Error).message));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return new LocalSts(server, `http://127.0.0.1:${port}`, calls);
  }

  /** Whether an access key id was issued by this stand-in (for a role of another environment). */
  issued(accessKeyId: string): boolean {
    return this.calls.some((c) => c.issuedAccessKeyId === accessKeyId);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
