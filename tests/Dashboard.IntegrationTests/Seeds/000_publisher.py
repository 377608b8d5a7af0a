import paho.mqtt.client as mqtt
broker = "localhost" # Change to broker IP if remote
port = 1883
topic = "home/temperature"
client = mqtt.Client()
client.connect(broker, port)
for i in range(5):
    message = f"Temperature: {20 + i}°C"
    client.publish(topic, message)
    print(f"Published: {message}")
client.disconnect()
