// `pulumi import` calls Read with an ID and no properties; the Node.js provider server of
// @pulumi/pulumi 3.259 reads them with `req.getProperties().toJavaScript()` and fails ("Cannot
// read properties of undefined") before the provider sees the call. An absent Struct is read as
// an empty one here, which is what the engine means by it. Harmless once the server checks itself.
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

interface ReadRequestClass {
  prototype: { getProperties: (this: unknown) => Struct | undefined };
}

/** Makes Read requests without properties (imports) read as empty properties. */
export function acceptReadWithoutProperties(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the generated protocol module has no ES export
  const { ReadRequest } = require("@pulumi/pulumi/proto/provider_pb") as { ReadRequest: ReadRequestClass };
  const given = ReadRequest.prototype.getProperties;
  ReadRequest.prototype.getProperties = function (this: unknown) {
    return given.call(this) ?? new Struct();
  };
}
