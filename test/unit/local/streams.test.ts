// A DynamoDB Streams record, as the SDK reads it from DynamoDB Local, becomes the record Lambda
// would hand the function (binary as base64, creation time in epoch seconds).
import { toLambdaRecord } from '../../../infra/local/streams';

it('converts an SDK stream record into a Lambda DynamoDBRecord', () => {
  // Prepare
  const sdkRecord = {
    eventID: 'e1',
    eventName: 'MODIFY' as const,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'ddblocal',
    dynamodb: {
      ApproximateCreationDateTime: new Date('2026-01-01T00:00:30Z'),
      Keys: { pk: { S: 'A' }, sk: { S: 'B' } },
      NewImage: {
        pk: { S: 'A' },
        sk: { S: 'B' },
        blob: { B: new Uint8Array([1, 2, 3]) },
        nested: { M: { set: { BS: [new Uint8Array([255])] }, list: { L: [{ N: '1' }, { B: new Uint8Array([0]) }] } } },
      },
      OldImage: { pk: { S: 'A' }, sk: { S: 'B' }, n: { N: '1' } },
      SequenceNumber: '000000000000000000042',
      SizeBytes: 64,
      StreamViewType: 'NEW_AND_OLD_IMAGES' as const,
    },
  };

  // Act
  const r = toLambdaRecord(sdkRecord, 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/x', 'us-east-1');

  // Assess
  expect(r).toEqual({
    eventID: 'e1',
    eventName: 'MODIFY',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/x',
    dynamodb: {
      ApproximateCreationDateTime: Date.parse('2026-01-01T00:00:30Z') / 1000,
      Keys: { pk: { S: 'A' }, sk: { S: 'B' } },
      NewImage: {
        pk: { S: 'A' },
        sk: { S: 'B' },
        blob: { B: 'AQID' },
        nested: { M: { set: { BS: ['/w=='] }, list: { L: [{ N: '1' }, { B: 'AA==' }] } } },
      },
      OldImage: { pk: { S: 'A' }, sk: { S: 'B' }, n: { N: '1' } },
      SequenceNumber: '000000000000000000042',
      SizeBytes: 64,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  });
});
