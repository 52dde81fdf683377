using System.Diagnostics.CodeAnalysis;

// An experimental package: its API may change in any release. Code that uses it gets FDEXP001, an error
// until it opts in (<NoWarn>$(NoWarn);FDEXP001</NoWarn>, or #pragma warning disable FDEXP001).
[assembly: Experimental("FDEXP001", UrlFormat = "https://github.com/fastdraft/fastdraft/blob/main/README.md#experimental-packages")]
