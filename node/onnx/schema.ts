/**
 * The subset of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, proto2, package `onnx`) that the
 * project writes and reads: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto, TypeProto(.Tensor), TensorShapeProto(.Dimension), OperatorSetIdProto,
 * StringStringEntryProto. Field names and numbers are the official ones; fields we never use are left
 * out (a decoder skips them; `head.ts` edits artifacts at the wire level, so nothing is lost there).
 * Loaded with protobufjs at run time (Root.fromJSON), no code generation.
 */
import protobuf from "protobufjs";

const f = (type: string, id: number, rule?: "repeated") => (rule === undefined ? { type, id } : { type, id, rule });

export const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: f("string", 1),
            refAttrName: f("string", 21),
            docString: f("string", 13),
            type: f("AttributeType", 20),
            f: f("float", 2),
            i: f("int64", 3),
            s: f("bytes", 4),
            t: f("TensorProto", 5),
            g: f("GraphProto", 6),
            floats: f("float", 7, "repeated"),
            ints: f("int64", 8, "repeated"),
            strings: f("bytes", 9, "repeated"),
            tensors: f("TensorProto", 10, "repeated"),
            graphs: f("GraphProto", 11, "repeated"),
          },
          nested: {
            AttributeType: { values: { UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, SPARSE_TENSOR: 11, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10, SPARSE_TENSORS: 12 } },
          },
        },
        ValueInfoProto: { fields: { name: f("string", 1), type: f("TypeProto", 2), docString: f("string", 3) } },
        NodeProto: {
          fields: {
            input: f("string", 1, "repeated"),
            output: f("string", 2, "repeated"),
            name: f("string", 3),
            opType: f("string", 4),
            domain: f("string", 7),
            attribute: f("AttributeProto", 5, "repeated"),
            docString: f("string", 6),
          },
        },
        ModelProto: {
          fields: {
            irVersion: f("int64", 1),
            opsetImport: f("OperatorSetIdProto", 8, "repeated"),
            producerName: f("string", 2),
            producerVersion: f("string", 3),
            domain: f("string", 4),
            modelVersion: f("int64", 5),
            docString: f("string", 6),
            graph: f("GraphProto", 7),
            metadataProps: f("StringStringEntryProto", 14, "repeated"),
          },
        },
        StringStringEntryProto: { fields: { key: f("string", 1), value: f("string", 2) } },
        GraphProto: {
          fields: {
            node: f("NodeProto", 1, "repeated"),
            name: f("string", 2),
            initializer: f("TensorProto", 5, "repeated"),
            docString: f("string", 10),
            input: f("ValueInfoProto", 11, "repeated"),
            output: f("ValueInfoProto", 12, "repeated"),
            valueInfo: f("ValueInfoProto", 13, "repeated"),
          },
        },
        TensorProto: {
          fields: {
            dims: f("int64", 1, "repeated"),
            dataType: f("int32", 2),
            floatData: { type: "float", id: 4, rule: "repeated", options: { packed: true } },
            int32Data: { type: "int32", id: 5, rule: "repeated", options: { packed: true } },
            int64Data: { type: "int64", id: 7, rule: "repeated", options: { packed: true } },
            name: f("string", 8),
            docString: f("string", 12),
            rawData: f("bytes", 9),
            doubleData: { type: "double", id: 10, rule: "repeated", options: { packed: true } },
          },
          nested: {
            DataType: { values: { UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13 } },
          },
        },
        TensorShapeProto: {
          fields: { dim: f("Dimension", 1, "repeated") },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ["dimValue", "dimParam"] } },
              fields: { dimValue: f("int64", 1), dimParam: f("string", 2), denotation: f("string", 3) },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ["tensorType"] } },
          fields: { tensorType: f("Tensor", 1), denotation: f("string", 6) },
          nested: { Tensor: { fields: { elemType: f("int32", 1), shape: f("TensorShapeProto", 2) } } },
        },
        OperatorSetIdProto: { fields: { domain: f("string", 1), version: f("int64", 2) } },
      },
    },
  },
};

let root: protobuf.Root | undefined;

/** the protobufjs Root of the subset (built once). */
export function onnxRoot(): protobuf.Root {
  root ??= protobuf.Root.fromJSON(ONNX_SCHEMA);
  return root;
}

export function modelProtoType(): protobuf.Type {
  return onnxRoot().lookupType("onnx.ModelProto");
}

/** ONNX TensorProto.DataType.FLOAT. */
export const ONNX_FLOAT = 1;
