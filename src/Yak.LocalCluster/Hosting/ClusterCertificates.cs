using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Yak.LocalCluster.Hosting;

/// <summary>A self-made CA and a server certificate for 127.0.0.1/localhost, kept in <c>{state}/pki</c> and reused across restarts.</summary>
public sealed class ClusterCertificates
{
    private ClusterCertificates(X509Certificate2 serverCertificate, string caPem)
    {
        ServerCertificate = serverCertificate;
        CaPem = caPem;
    }

    public X509Certificate2 ServerCertificate { get; }

    /// <summary>The CA certificate (PEM) clients trust: goes into the kubeconfig as certificate-authority-data.</summary>
    public string CaPem { get; }

    public static ClusterCertificates LoadOrCreate(string stateDirectory)
    {
        var folder = PrivateFiles.EnsureFolder(Path.Combine(stateDirectory, "pki"));
        var caPath = Path.Combine(folder, "ca.crt");
        var certPath = Path.Combine(folder, "server.crt");
        var keyPath = Path.Combine(folder, "server.key");
        if (File.Exists(caPath) && File.Exists(certPath) && File.Exists(keyPath))
        {
            var existing = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            if (existing.NotAfter > DateTime.Now.AddDays(1))
            {
                return new ClusterCertificates(Reload(existing), File.ReadAllText(caPath));
            }
        }

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=yak-local-cluster-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var ca = caRequest.CreateSelfSigned(now, now.AddYears(10));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=yak-local-cluster", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(san.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signed = serverRequest.Create(ca, now, now.AddYears(5), serial);
        using var withKey = signed.CopyWithPrivateKey(serverKey);

        var caPem = ca.ExportCertificatePem();
        WritePrivate(caPath, caPem);
        WritePrivate(certPath, withKey.ExportCertificatePem());
        WritePrivate(keyPath, serverKey.ExportPkcs8PrivateKeyPem());
        return new ClusterCertificates(Reload(X509Certificate2.CreateFromPemFile(certPath, keyPath)), caPem);
    }

    /// <summary>Round-trips through PKCS#12 so the key is usable by the TLS stack on every platform.</summary>
    private static X509Certificate2 Reload(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);

    private static void WritePrivate(string path, string content) => PrivateFiles.WriteAtomic(path, content);
}
