// A tiny schema that covers every column shape the replica must handle: scalars of each atomic
// type, optional scalar (min 0 max 1), sets, maps, strong refs into a non-root table (garbage
// collection = server-side deletes) and weak refs (server-side modifies on delete).
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

const childRef = {type: 'uuid', refTable: 'Child'}
export const TEST_SCHEMA = {
  name: 'Test',
  version: '1.0.0',
  tables: {
    Parent: {
      isRoot: true,
      columns: {
        name: {type: 'string'},
        n: {type: 'integer'},
        r: {type: 'real'},
        b: {type: 'boolean'},
        opt: {type: {key: 'integer', min: 0, max: 1}},
        tags: {type: {key: 'string', min: 0, max: 'unlimited'}},
        ext: {type: {key: 'string', value: 'string', min: 0, max: 'unlimited'}},
        weights: {type: {key: 'string', value: 'integer', min: 0, max: 'unlimited'}},
        children: {type: {key: childRef, min: 0, max: 'unlimited'}},
        best: {type: {key: {...childRef, refType: 'weak'}, min: 0, max: 1}},
      },
    },
    Child: {
      columns: {
        name: {type: 'string'},
        w: {type: 'real'},
        flag: {type: 'boolean'},
        labels: {type: {key: 'string', min: 0, max: 'unlimited'}},
      },
    },
    Other: {
      isRoot: true,
      columns: {
        key: {type: 'string'},
        peers: {type: {key: {type: 'uuid', refTable: 'Parent', refType: 'weak'}, min: 0, max: 'unlimited'}},
      },
    },
  },
}

export function writeTestSchema(dir: string): string {
  const path = join(dir, 'test.ovsschema')
  writeFileSync(path, JSON.stringify(TEST_SCHEMA))
  return path
}
