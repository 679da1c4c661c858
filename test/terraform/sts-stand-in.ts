import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback stand-in for AWS STS that answers `GetCallerIdentity` — the one AWS call `terraform plan` makes
 * for a module reading `data.aws_caller_identity` — with account 123456789012. Any other action is a 400, so
 * a plan that starts calling other APIs fails loudly instead of being answered wrongly.
 */

export const STAND_IN_ACCOUNT = "123456789012";

/** A running stand-in: its endpoint and how to stop it. */
export interface StsStandIn {
  readonly endpoint: string;
  /** Actions received, in order. */
  readonly actions: readonly string[];
  close(): Promise<void>;
}

const IDENTITY = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::${STAND_IN_ACCOUNT}:user/glacier-terraform-test</Arn>
    <UserId>AIDAGLACIERTERRAFORMTEST</UserId>
    <Account>${STAND_IN_ACCOUNT}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>
`;

/** Starts the stand-in on 127.0.0.1 and a free port. */
export async function startStsStandIn(): Promise<StsStandIn> {
  const actions: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const action = new URLSearchParams(body).get("Action") ?? "(none)";
      actions.push(action);
      if (req.method === "POST" && action === "GetCallerIdentity") {
        res.writeHead(200, { "content-type": "text/xml" });
        res.end(IDENTITY);
        return;
      }
      res.writeHead(400, { "content-type": "text/xml" });
      res.end(
        `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>the STS stand-in answers GetCallerIdentity only, not ${action}</Message></Error></ErrorResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    actions,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
