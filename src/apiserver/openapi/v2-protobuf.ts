// The Swagger 2.0 document in the form client-go asks for first and only (Accept
// `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`): gnostic's `openapi.v2.Document`
// message. client-go's OpenAPISchema() decodes nothing else; on 404/406 it tries the pre-1.10
// path and then fails. Only the parts of the message our document uses are described; field
// numbers are those of gnostic's OpenAPIv2.proto (a fact of the wire format; the notation is ours).
// Vendor extensions travel as YAML text in `Any.yaml`, which is how kubectl reads
// `x-kubernetes-group-version-kind` back.
import protobuf from 'protobufjs';
import { stringify } from 'yaml';

type Json = Record<string, unknown>;

/** message → `name=number:type` fields (`[]` repeated), proto3. */
const MESSAGES: Record<string, string> = {
  Document: 'swagger=1:string info=2:Info paths=8:Paths definitions=9:Definitions vendor_extension=16:NamedAny[]',
  Info: 'title=1:string version=2:string description=3:string',
  Paths: 'vendor_extension=1:NamedAny[] path=2:NamedPathItem[]',
  NamedPathItem: 'name=1:string value=2:PathItem',
  PathItem:
    'get=2:Operation put=3:Operation post=4:Operation delete=5:Operation options=6:Operation head=7:Operation ' +
    'patch=8:Operation parameters=9:ParametersItem[] vendor_extension=10:NamedAny[]',
  Operation:
    'tags=1:string[] summary=2:string description=3:string operation_id=5:string produces=6:string[] ' +
    'consumes=7:string[] parameters=8:ParametersItem[] responses=9:Responses schemes=10:string[] ' +
    'deprecated=11:bool vendor_extension=13:NamedAny[]',
  ParametersItem: 'parameter=1:Parameter json_reference=2:JsonReference',
  JsonReference: '_ref=1:string description=2:string',
  Parameter: 'body_parameter=1:BodyParameter non_body_parameter=2:NonBodyParameter',
  BodyParameter: 'description=1:string name=2:string in=3:string required=4:bool schema=5:Schema',
  NonBodyParameter: 'query_parameter_sub_schema=3:ParameterSubSchema path_parameter_sub_schema=4:PathParameterSubSchema',
  // Query parameters: required=1 in=2 description=3 name=4 allow_empty_value=5 type=6 ... unique_items=20.
  ParameterSubSchema: 'required=1:bool in=2:string description=3:string name=4:string type=6:string unique_items=20:bool',
  // Path parameters have no allow_empty_value, so their numbers after `name` are one lower.
  PathParameterSubSchema: 'required=1:bool in=2:string description=3:string name=4:string type=5:string unique_items=19:bool',
  Responses: 'response_code=1:NamedResponseValue[]',
  NamedResponseValue: 'name=1:string value=2:ResponseValue',
  ResponseValue: 'response=1:Response',
  Response: 'description=1:string schema=2:SchemaItem',
  SchemaItem: 'schema=1:Schema',
  Schema:
    '_ref=1:string format=2:string description=4:string required=19:string[] additional_properties=21:AdditionalPropertiesItem ' +
    'type=22:TypeItem items=23:ItemsItem all_of=24:Schema[] properties=25:Properties vendor_extension=31:NamedAny[]',
  TypeItem: 'value=1:string[]',
  // additional_properties is a oneof of a schema (1) and a boolean (2); items a list of schemas.
  AdditionalPropertiesItem: 'schema=1:Schema boolean=2:bool',
  ItemsItem: 'schema=1:Schema[]',
  Properties: 'additional_properties=1:NamedSchema[]',
  Definitions: 'additional_properties=1:NamedSchema[]',
  NamedSchema: 'name=1:string value=2:Schema',
  NamedAny: 'name=1:string value=2:Any',
  Any: 'yaml=2:string',
};

let documentType: protobuf.Type | undefined;

function getDocumentType(): protobuf.Type {
  if (documentType) return documentType;
  const nested: Record<string, protobuf.IType> = {};
  for (const [name, text] of Object.entries(MESSAGES)) {
    const fields: protobuf.IType['fields'] = {};
    for (const token of text.split(/\s+/)) {
      const m = /^(\w+)=(\d+):(\w+)(\[\])?$/.exec(token);
      if (!m) throw new Error(`openapi v2 protobuf: bad field ${token} in ${name}`);
      fields[m[1]!] = { id: Number(m[2]), type: m[3]!, ...(m[4] ? { rule: 'repeated' } : {}) };
    }
    nested[name] = { fields };
  }
  documentType = protobuf.Root.fromJSON({ nested: { openapi_v2: { nested } } }).lookupType('openapi_v2.Document');
  return documentType;
}

const extensions = (o: Json) =>
  Object.entries(o)
    .filter(([k]) => k.startsWith('x-'))
    .map(([name, value]) => ({ name, value: { yaml: stringify(value) } }));

function schema(s: Json): Json {
  const properties = s.properties as Record<string, Json> | undefined;
  const additional = s.additionalProperties as Json | boolean | undefined;
  return {
    ...(s.$ref ? { _ref: s.$ref } : {}),
    ...(s.format ? { format: s.format } : {}),
    ...(s.description ? { description: s.description } : {}),
    ...(Array.isArray(s.required) && s.required.length ? { required: s.required } : {}),
    ...(typeof additional === 'boolean' ? { additional_properties: { boolean: additional } } : additional ? { additional_properties: { schema: schema(additional) } } : {}),
    ...(s.type ? { type: { value: [s.type] } } : {}),
    ...(s.items && typeof s.items === 'object' ? { items: { schema: [schema(s.items as Json)] } } : {}),
    ...(Array.isArray(s.allOf) ? { all_of: (s.allOf as Json[]).map(schema) } : {}),
    ...(properties ? { properties: { additional_properties: Object.entries(properties).map(([name, p]) => ({ name, value: schema(p) })) } } : {}),
    vendor_extension: extensions(s),
  };
}

function parameter(p: Json): Json {
  if (p.in === 'body') {
    return { parameter: { body_parameter: { name: p.name, in: p.in, required: !!p.required, ...(p.description ? { description: p.description } : {}), schema: schema(p.schema as Json) } } };
  }
  const sub = { required: !!p.required, in: p.in, description: p.description ?? '', name: p.name, type: p.type ?? 'string', unique_items: !!p.uniqueItems };
  if (p.in === 'query') return { parameter: { non_body_parameter: { query_parameter_sub_schema: sub } } };
  if (p.in === 'path') return { parameter: { non_body_parameter: { path_parameter_sub_schema: sub } } };
  throw new Error(`openapi v2 protobuf: parameters "in: ${String(p.in)}" are not described`);
}

function operation(op: Json): Json {
  const responses = Object.entries((op.responses as Record<string, Json>) ?? {}).map(([name, r]) => ({
    name,
    value: { response: { description: r.description ?? '', ...(r.schema ? { schema: { schema: schema(r.schema as Json) } } : {}) } },
  }));
  return {
    tags: op.tags ?? [],
    description: op.description ?? '',
    operation_id: op.operationId ?? '',
    consumes: op.consumes ?? [],
    produces: op.produces ?? [],
    parameters: ((op.parameters as Json[]) ?? []).map(parameter),
    responses: { response_code: responses },
    schemes: op.schemes ?? [],
    vendor_extension: extensions(op),
  };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

/** The gnostic protobuf bytes of a Swagger 2.0 document built by swaggerDocument(). */
export function swaggerToProtobuf(doc: Json): Buffer {
  const paths = Object.entries(doc.paths as Record<string, Json>).map(([name, item]) => {
    const value: Json = { parameters: ((item.parameters as Json[]) ?? []).map(parameter) };
    for (const m of METHODS) if (item[m]) value[m] = operation(item[m] as Json);
    return { name, value };
  });
  const definitions = Object.entries(doc.definitions as Record<string, Json>).map(([name, s]) => ({ name, value: schema(s) }));
  const info = doc.info as Json;
  const message = {
    swagger: doc.swagger,
    info: { title: info.title, version: info.version },
    paths: { path: paths },
    definitions: { additional_properties: definitions },
  };
  const type = getDocumentType();
  return Buffer.from(type.encode(type.fromObject(message)).finish());
}
