import {
  fileConsentAttachment,
  readExportFileContext,
  readUploadInfo,
  uploadUrlAllowed,
} from '../../../src/channels/teams/file-consent';

describe('Teams file consent', () => {
  it.each([
    'https://contoso-my.sharepoint.com/personal/asha/_api/v2.0/drive/items/01/uploadSession?guid=1',
    'https://contoso-my.sharepoint.us/upload/session',
    'https://graph.microsoft.com/v1.0/drive/items/01/uploadSession',
    'https://api.onedrive.com/rup/01',
  ])('writes to the Microsoft upload session %s', (url) => {
    expect(uploadUrlAllowed(url, false)).toBe(true);
  });

  it.each([
    'http://contoso-my.sharepoint.com/upload/session',
    'https://evil.example/upload',
    'https://sharepoint.com.evil.example/upload',
    'https://evilsharepoint.com/upload',
    'https://user:pw@contoso-my.sharepoint.com/upload',
    'https://127.0.0.1:9/upload',
    'http://127.0.0.1:9/upload',
    'file:///etc/passwd',
    'not a url',
  ])('refuses to write to %s with authentication on', (url) => {
    expect(uploadUrlAllowed(url, false)).toBe(false);
  });

  it('writes only to this machine with authentication off, whatever host the answer names', () => {
    expect(uploadUrlAllowed('http://127.0.0.1:9/upload', true)).toBe(true);
    expect(uploadUrlAllowed('http://localhost:9/upload', true)).toBe(true);
    for (const url of [
      'https://contoso-my.sharepoint.com/upload/session',
      'http://10.0.0.5/upload',
      'file:///etc/passwd',
      'ftp://127.0.0.1/x',
      'not a url',
      '',
    ])
      expect(uploadUrlAllowed(url, true)).toBe(false);
  });

  it('asks for a file with its size in bytes and a context that names it', () => {
    const card = fileConsentAttachment(
      { name: 'rapport-x-partners.csv', mimeType: 'text/csv', content: '\uFEFFid,name\r\n1,Nissan é\r\n' },
      0,
    );

    expect(card).toMatchObject({
      contentType: 'application/vnd.microsoft.teams.card.file.consent',
      name: 'rapport-x-partners.csv',
      content: {
        sizeInBytes: 25,
        acceptContext: { export: 'csv', index: 0, name: 'rapport-x-partners.csv' },
      },
    });
    expect(readExportFileContext((card.content as { acceptContext: unknown }).acceptContext)).toEqual({
      export: 'csv',
      index: 0,
      name: 'rapport-x-partners.csv',
    });
  });

  it.each([
    [null],
    ['csv'],
    [{ export: 'xlsx', index: 0, name: 'a' }],
    [{ export: 'csv', index: -1, name: 'a' }],
    [{ export: 'csv', index: 1.5, name: 'a' }],
    [{ export: 'json', index: 0 }],
  ])('reads %j as no context of ours', (value) => {
    expect(readExportFileContext(value)).toBeNull();
  });

  it('needs an upload URL and a name to upload anything', () => {
    expect(readUploadInfo({ name: 'a.csv' })).toBeNull();
    expect(readUploadInfo({ uploadUrl: 'https://x/y', name: 'a.csv', fileType: 'csv' })).toEqual({
      uploadUrl: 'https://x/y',
      name: 'a.csv',
      contentUrl: undefined,
      uniqueId: undefined,
      fileType: 'csv',
    });
  });
});
