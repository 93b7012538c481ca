// Where one unit's objects live in a bucket: `<prefix>/<archive name>`.
export interface S3Place {
  bucket: string;
  // Full key prefix without a trailing slash; empty = the bucket's root.
  prefix: string;
}

// The place of a bucket and a prefix as configured (slashes at either end of the prefix dropped).
export const placeOf = (bucket: string, prefix: string): S3Place => ({ bucket, prefix: prefix.replace(/^\/+|\/+$/g, '') });

// s3://bucket/prefix, or s3://bucket/prefix/name for one object.
export const urlOf = (place: S3Place, name?: string): string =>
  `s3://${place.bucket}${place.prefix ? `/${place.prefix}` : ''}${name ? `/${name}` : ''}`;
