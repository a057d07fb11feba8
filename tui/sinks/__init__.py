"""Alert outputs: JSON lines on stdout, the alert journal, SNS."""
